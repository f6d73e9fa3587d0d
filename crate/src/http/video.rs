//! The synthetic "video" behind `GET /video` and the byte ranges the server serves of it.
//!
//! The body is 64 KiB of readable, position-stamped text lines, so a chunk shown on the page says
//! where in the file it came from, and a download resumed with `Range: bytes=N-` after a dropped
//! connection can be checked by eye and by test to join up exactly.

/// Where the video is served.
pub const VIDEO_PATH: &str = "/video";

/// The video's length in bytes: 64 KiB.
pub const VIDEO_LENGTH: usize = 64 * 1024;

/// Each line of the body is this long, newline included.
const LINE_BYTES: usize = 64;

/// The whole video body: [`VIDEO_LENGTH`] bytes of lines like
/// `frame 0001/1024 bytes 00064-00127 .........\n`.
pub fn video_body() -> Vec<u8> {
    let lines = VIDEO_LENGTH / LINE_BYTES;
    (0..lines)
        .flat_map(|line| {
            let first = line * LINE_BYTES;
            let last = first + LINE_BYTES - 1;
            let text = format!("frame {:04}/{lines} bytes {first:05}-{last:05} ", line + 1);
            format!("{text:.<width$}\n", width = LINE_BYTES - 1).into_bytes()
        })
        .collect()
}

/// What the server does with a request's `Range` header (RFC 9110 §14).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RangeDecision {
    /// Serve the whole body with 200: there was no `Range`, or one the server may ignore.
    Whole {
        /// Why a `Range` present was ignored, for the page.
        ignored: Option<String>,
    },
    /// Serve bytes `first..=last` with 206.
    Part {
        /// First byte served.
        first: u64,
        /// Last byte served, inclusive.
        last: u64,
    },
    /// Answer 416: the range starts at or past the end.
    Unsatisfiable,
}

/// Decides how to answer the `Range` header values `values` for a body of `length` bytes.
///
/// Syntactically invalid ranges, other units and multiple ranges are ignored (RFC 9110 §14.2
/// allows a server to ignore `Range`): the client then gets the whole body, which it can always
/// use. Only a well-formed single range that starts past the end is refused with 416.
pub fn decide_range<'a>(mut values: impl Iterator<Item = &'a str>, length: u64) -> RangeDecision {
    let ignore = |why: &str| RangeDecision::Whole {
        ignored: Some(why.to_owned()),
    };
    let Some(value) = values.next() else {
        return RangeDecision::Whole { ignored: None };
    };
    if values.next().is_some() {
        return ignore("more than one Range header");
    }
    let value = value.trim();
    let Some((unit, spec)) = value.split_once('=') else {
        return ignore("not a byte range");
    };
    if !unit.trim().eq_ignore_ascii_case("bytes") {
        return ignore("not a byte range");
    }
    if spec.contains(',') {
        return ignore("several ranges asked for; the lab serves the whole body instead");
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return ignore("not a byte range");
    };
    let (first, last) = (first.trim(), last.trim());
    if first.is_empty() {
        // `bytes=-N`: the last N bytes.
        let Some(suffix) = position(last) else {
            return ignore("not a byte range");
        };
        if suffix == 0 || length == 0 {
            return RangeDecision::Unsatisfiable;
        }
        return RangeDecision::Part {
            first: length.saturating_sub(suffix),
            last: length - 1,
        };
    }
    let Some(first) = position(first) else {
        return ignore("not a byte range");
    };
    let last = if last.is_empty() {
        u64::MAX
    } else {
        match position(last) {
            Some(last) if last >= first => last,
            _ => return ignore("the range ends before it starts"),
        }
    };
    if first >= length {
        return RangeDecision::Unsatisfiable;
    }
    RangeDecision::Part {
        first,
        last: last.min(length - 1),
    }
}

/// A byte position: ASCII digits, saturating (a position past any body is just "past the end").
fn position(digits: &str) -> Option<u64> {
    if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    Some(digits.parse().unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LENGTH: u64 = VIDEO_LENGTH as u64;

    fn decide(value: &str) -> RangeDecision {
        decide_range(std::iter::once(value), LENGTH)
    }

    #[test]
    fn the_body_is_64_kib_of_position_stamped_lines() {
        let body = video_body();
        assert_eq!(body.len(), VIDEO_LENGTH);
        assert!(body.starts_with(b"frame 0001/1024 bytes 00000-00063 ....."));
        assert_eq!(&body[64..80], b"frame 0002/1024 ");
        assert_eq!(body[63], b'\n');
        assert_eq!(body.last(), Some(&b'\n'));
    }

    #[test]
    fn satisfiable_ranges_are_clamped_to_the_body() {
        assert_eq!(
            decide("bytes=0-1023"),
            RangeDecision::Part {
                first: 0,
                last: 1023
            }
        );
        assert_eq!(
            decide("bytes=65000-"),
            RangeDecision::Part {
                first: 65000,
                last: LENGTH - 1
            }
        );
        assert_eq!(
            decide("bytes=65000-99999999999999999999999"),
            RangeDecision::Part {
                first: 65000,
                last: LENGTH - 1
            }
        );
        assert_eq!(
            decide("bytes=-100"),
            RangeDecision::Part {
                first: LENGTH - 100,
                last: LENGTH - 1
            }
        );
        assert_eq!(
            decide("bytes=-999999"),
            RangeDecision::Part {
                first: 0,
                last: LENGTH - 1
            }
        );
    }

    #[test]
    fn ranges_past_the_end_are_unsatisfiable() {
        assert_eq!(decide("bytes=65536-"), RangeDecision::Unsatisfiable);
        assert_eq!(decide("bytes=70000-80000"), RangeDecision::Unsatisfiable);
        assert_eq!(decide("bytes=-0"), RangeDecision::Unsatisfiable);
    }

    #[test]
    fn invalid_or_multiple_ranges_are_ignored() {
        for value in [
            "bytes=5-1",
            "items=0-1",
            "bytes=0-1,5-6",
            "bytes=a-b",
            "bytes=-",
            "garbage",
        ] {
            assert!(
                matches!(decide(value), RangeDecision::Whole { ignored: Some(_) }),
                "{value}"
            );
        }
        assert_eq!(
            decide_range(std::iter::empty(), LENGTH),
            RangeDecision::Whole { ignored: None }
        );
    }
}
