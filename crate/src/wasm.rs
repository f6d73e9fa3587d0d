//! The browser boundary: one `#[wasm_bindgen]` type over the core. The only module that names
//! wasm-bindgen or `JsValue`; errors become `JsError` here and nowhere else.

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
    /// the chapter `chapter` (`undefined` for the whole session).
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue, chapter: Option<String>) -> Result<WasmLab, JsError> {
        let options: Options = if options.is_undefined() || options.is_null() {
            Options::default()
        } else {
            serde_wasm_bindgen::from_value(options)
                .map_err(|err| JsError::new(&format!("options not understood: {err}")))?
        };
        let chapter = chapter.as_deref().unwrap_or("whole-session");
        Ok(Self {
            lab: Lab::with_chapter(options, chapter).map_err(to_js)?,
        })
    }

    /// Runs another chapter with the same options and certificates.
    #[wasm_bindgen(js_name = setChapter)]
    pub fn set_chapter(&mut self, chapter: &str) -> Result<(), JsError> {
        self.lab.set_chapter(chapter).map_err(to_js)
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

    /// The view data for the page.
    pub fn view(&self) -> Result<JsValue, JsError> {
        to_value(&self.lab.view())
    }

    /// The wrapping of the HTTP `request` or `response` record, stage by stage, in the connection
    /// the cursor is on (or the first that has one); `null` if no connection got that far.
    pub fn wrapping(&self, which: &str) -> Result<JsValue, JsError> {
        let which = crate::wrapping::Which::from_key(which)
            .map_err(|err| JsError::new(&err.to_string()))?;
        match crate::wrapping::wrapping(&self.lab, which) {
            Ok(view) => to_value(&view),
            Err(crate::wrapping::WrappingError::NotFound(_)) => Ok(JsValue::NULL),
            Err(err) => Err(JsError::new(&err.to_string())),
        }
    }
}

fn to_value<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|err| JsError::new(&err.to_string()))
}

fn to_js(err: crate::Error) -> JsError {
    JsError::new(&err.to_string())
}
