//! Running other programs: echo the command line first (so a log shows what ran),
//! then turn a spawn failure or a non-zero exit into a typed [`Error`].

use std::ffi::OsStr;
use std::process::{Command, Stdio};

use crate::error::Error;

/// Renders a command the way a person would type it, for logs and error messages.
pub fn describe(command: &Command) -> String {
    let mut words = Vec::new();
    for (key, value) in command.get_envs() {
        if let Some(value) = value {
            // PATH is long and always the same prefix; showing it hides the command.
            if key != "PATH" {
                words.push(format!("{}={}", key.to_string_lossy(), quote(value)));
            }
        }
    }
    words.push(quote(command.get_program()));
    words.extend(command.get_args().map(quote));
    words.join(" ")
}

fn quote(word: &OsStr) -> String {
    let word = word.to_string_lossy();
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@+%".contains(c));
    if plain {
        word.into_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// Runs a command with inherited standard streams and fails unless it exits with 0.
pub fn run(command: &mut Command) -> Result<(), Error> {
    let description = describe(command);
    println!("$ {description}");
    let status = command.status().map_err(|source| Error::Spawn {
        command: description.clone(),
        source,
    })?;
    if status.success() {
        Ok(())
    } else {
        Err(Error::CommandFailed {
            command: description,
            status,
        })
    }
}

/// Runs a command with standard error shown and returns its standard output, failing unless it
/// exits with 0. Not echoed: for commands run many times over (`capture` echoes).
pub fn output(command: &mut Command) -> Result<Vec<u8>, Error> {
    let description = describe(command);
    let output = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|source| Error::Spawn {
            command: description.clone(),
            source,
        })?;
    if output.status.success() {
        Ok(output.stdout)
    } else {
        Err(Error::CommandFailed {
            command: description,
            status: output.status,
        })
    }
}

/// Like [`output`], echoing the command first and returning its output as text.
pub fn capture(command: &mut Command) -> Result<String, Error> {
    println!("$ {}", describe(command));
    Ok(String::from_utf8_lossy(&output(command)?).into_owned())
}

/// Runs a command quietly and returns its standard output, or `None` when the program
/// cannot be started or exits unsuccessfully. Used for fast "is it there?" probes.
pub fn probe(program: impl AsRef<OsStr>, args: &[&str]) -> Option<String> {
    let output = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if output.status.success() {
        Some(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_quotes_only_what_needs_it() {
        let mut command = Command::new("cargo");
        command
            .args(["clippy", "--", "-D", "warnings", "two words"])
            .env("RUSTDOCFLAGS", "-D warnings");
        assert_eq!(
            describe(&command),
            "RUSTDOCFLAGS='-D warnings' cargo clippy -- -D warnings 'two words'"
        );
    }

    #[test]
    fn probe_reports_missing_programs_as_none() {
        assert_eq!(probe("/nonexistent/program", &[]), None);
    }
}
