//! The browser boundary: one `#[wasm_bindgen]` type over the core (plus, in the Measure build,
//! `Bench`, the benchmark drivers the Measure panel and `cargo xtask bench` run in the page, and
//! RSA key generation). The only module that names wasm-bindgen or `JsValue`; errors become
//! `JsError` here and nowhere else.

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::options::{Catalogue, Options};
use crate::Lab;

/// Installs the panic hook, so a panic is logged to the console with its message. The page
/// treats a panic as fatal for this instance and re-creates the module.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

/// A lab in the page: the recorded run and the learner's cursor over it.
#[wasm_bindgen(js_name = Lab)]
pub struct WasmLab {
    lab: Lab,
}

#[wasm_bindgen(js_class = Lab)]
impl WasmLab {
    /// Makes a lab from options as the page holds them (`undefined` for the defaults), running
    /// the chapter `chapter` (`undefined` for the whole session). `rsaKey`, an RSA-2048 private
    /// key in PKCS#8 (from WebCrypto), is the server's key when the options ask for RSA.
    #[wasm_bindgen(constructor)]
    pub fn new(
        options: JsValue,
        chapter: Option<String>,
        #[wasm_bindgen(js_name = rsaKey)] rsa_key: Option<Vec<u8>>,
    ) -> Result<WasmLab, JsError> {
        let options: Options = if options.is_undefined() || options.is_null() {
            Options::default()
        } else {
            serde_wasm_bindgen::from_value(options)
                .map_err(|err| JsError::new(&format!("options not understood: {err}")))?
        };
        let chapter = chapter.as_deref().unwrap_or("whole-session");
        Ok(Self {
            lab: Lab::with_chapter_and_rsa_key(options, chapter, rsa_key.as_deref())
                .map_err(to_js)?,
        })
    }

    /// Runs another chapter with the same options and certificates.
    #[wasm_bindgen(js_name = setChapter)]
    pub fn set_chapter(&mut self, chapter: &str) -> Result<(), JsError> {
        self.lab.set_chapter(chapter).map_err(to_js)
    }

    /// Replaces the chapter's `GET /dashboard` requests with `path` and extra `headers` (one
    /// `Name: value` per line) and runs it again; an empty path restores the original.
    #[wasm_bindgen(js_name = setRequest)]
    pub fn set_request(&mut self, path: &str, headers: &str) -> Result<(), JsError> {
        let edit = if path.is_empty() && headers.trim().is_empty() {
            None
        } else {
            Some(crate::engine::RequestEdit::parse(path, headers).map_err(to_js)?)
        };
        self.lab.set_request(edit).map_err(to_js)
    }

    /// Flips the byte at `offset` of step `step`'s flight in transit and runs the chapter again.
    pub fn tamper(&mut self, step: usize, offset: usize) -> Result<(), JsError> {
        self.lab.tamper(step, offset).map_err(to_js)
    }

    /// Moves the lab clock forward by `seconds` after the current step and runs the chapter
    /// again.
    #[wasm_bindgen(js_name = advanceClock)]
    pub fn advance_clock(&mut self, seconds: u32) -> Result<(), JsError> {
        self.lab.advance_clock(u64::from(seconds)).map_err(to_js)
    }

    /// The default options.
    #[wasm_bindgen(js_name = defaultOptions)]
    pub fn default_options() -> Result<JsValue, JsError> {
        to_value(&Options::default())
    }

    /// The default options for a version key (`tls13` or `tls12`).
    #[wasm_bindgen(js_name = optionsForVersion)]
    pub fn options_for_version(version: JsValue) -> Result<JsValue, JsError> {
        let version = serde_wasm_bindgen::from_value(version)
            .map_err(|err| JsError::new(&format!("unknown version: {err}")))?;
        to_value(&Options::for_version(version))
    }

    /// Every value each option can take.
    pub fn catalogue() -> Result<JsValue, JsError> {
        to_value(&Catalogue::of_rustls())
    }

    /// Moves to the next step; false at the end.
    #[wasm_bindgen(js_name = next)]
    pub fn forward(&mut self) -> bool {
        self.lab.forward()
    }

    /// Moves to the previous step; false at the start.
    pub fn back(&mut self) -> bool {
        self.lab.back()
    }

    /// Jumps to step `index` (0-based).
    pub fn seek(&mut self, index: usize) -> Result<(), JsError> {
        self.lab.seek(index).map_err(to_js)
    }

    /// Runs the session again with fresh connections and returns to the first step.
    pub fn reset(&mut self) -> Result<(), JsError> {
        self.lab.reset().map_err(to_js)
    }

    /// The run as a pcapng capture with the keys embedded, for Wireshark.
    #[wasm_bindgen(js_name = exportPcapng)]
    pub fn export_pcapng(&self) -> Result<Vec<u8>, JsError> {
        crate::export::pcapng(self.lab.run()).map_err(to_js)
    }

    /// The run's key log in NSS format (`SSLKEYLOGFILE`).
    #[wasm_bindgen(js_name = exportKeyLog)]
    pub fn export_key_log(&self) -> String {
        crate::export::key_log(self.lab.run())
    }

    /// The view data for the page.
    pub fn view(&self) -> Result<JsValue, JsError> {
        to_value(&self.lab.view())
    }

    /// The view of the step at the cursor alone: `{ cursor, total, current }`, as in `view()`.
    #[wasm_bindgen(js_name = cursorView)]
    pub fn cursor_view(&self) -> Result<JsValue, JsError> {
        to_value(&self.lab.cursor_view())
    }

    /// The step the learner is on (0-based).
    pub fn cursor(&self) -> usize {
        self.lab.cursor()
    }

    /// How many steps the run has.
    pub fn total(&self) -> usize {
        self.lab.run().steps.len()
    }

    /// The wrapping of the HTTP `request` or `response` record, stage by stage, in the connection
    /// the cursor is on (or the first that has one); `null` if no connection got that far.
    pub fn wrapping(&self, which: &str) -> Result<JsValue, JsError> {
        let which = crate::wrapping::Which::from_key(which).map_err(to_js)?;
        match crate::wrapping::wrapping(&self.lab, which) {
            Ok(view) => to_value(&view),
            Err(crate::wrapping::WrappingError::NotFound(_)) => Ok(JsValue::NULL),
            Err(err) => Err(to_js(err)),
        }
    }
}

fn to_value<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(to_js)
}

fn to_js(err: impl std::fmt::Display) -> JsError {
    JsError::new(&err.to_string())
}

/// What only the Measure build of the wasm carries (the crate's `measure` feature): the
/// benchmark drivers and RSA key generation.
#[cfg(feature = "measure")]
mod measure {
    use wasm_bindgen::prelude::*;

    /// A fresh RSA-2048 private key (PKCS#8) made in wasm, for browsers without WebCrypto
    /// (pages not in a secure context).
    #[wasm_bindgen(js_name = generateRsaKey)]
    pub fn generate_rsa_key() -> Result<Vec<u8>, JsError> {
        crate::pki::generate_rsa_pkcs8().map_err(super::to_js)
    }

    /// The benchmark drivers of [`crate::bench`] in the page (the Measure panel, `cargo xtask
    /// bench`), timed by a clock the page passes in — a function returning `performance.now()` —
    /// since the core reads none.
    #[wasm_bindgen(js_name = Bench)]
    pub struct WasmBench {
        suite: crate::bench::Suite,
    }

    impl Default for WasmBench {
        fn default() -> Self {
            Self::new()
        }
    }

    #[wasm_bindgen(js_class = Bench)]
    impl WasmBench {
        /// A bench with no certificates made yet (each key type's are made once, when first needed).
        #[wasm_bindgen(constructor)]
        pub fn new() -> WasmBench {
            Self {
                suite: crate::bench::Suite::new(),
            }
        }

        /// Hands over the server's RSA-2048 key (PKCS#8, from WebCrypto) for the RSA certificates;
        /// without it the bench generates one in wasm, which takes seconds.
        #[wasm_bindgen(js_name = provideRsaKey)]
        pub fn provide_rsa_key(&mut self, pkcs8: Vec<u8>) {
            self.suite.provide_rsa_key(pkcs8);
        }

        /// Every workload id (`handshake:…`, `records:…`, `lab:…`).
        pub fn workloads() -> Vec<String> {
            crate::bench::workload_ids()
        }

        /// Measures workload `id` in steady state (`samples` timed batches; labs: 1 + 5 made), and
        /// returns the result line.
        pub fn steady(
            &mut self,
            id: &str,
            samples: u32,
            clock: &js_sys::Function,
        ) -> Result<String, JsError> {
            let plan = crate::bench::plan_for(id, samples);
            self.suite
                .steady(id, &plan, &mut || read_clock(clock))
                .map(|outcome| outcome.to_line())
                .map_err(super::to_js)
        }

        /// Times the first `count` iterations of workload `id`, each alone, and returns the result
        /// line.
        pub fn cold(
            &mut self,
            id: &str,
            count: u32,
            clock: &js_sys::Function,
        ) -> Result<String, JsError> {
            self.suite
                .cold(id, count, &mut || read_clock(clock))
                .map(|outcome| outcome.to_line())
                .map_err(super::to_js)
        }
    }

    /// Calls the page's clock.
    fn read_clock(clock: &js_sys::Function) -> Result<f64, crate::bench::BenchError> {
        clock
            .call0(&JsValue::NULL)
            .map_err(|err| crate::bench::BenchError::Clock(format!("{err:?}")))?
            .as_f64()
            .ok_or_else(|| crate::bench::BenchError::Clock("it returned no number".to_owned()))
    }
}
