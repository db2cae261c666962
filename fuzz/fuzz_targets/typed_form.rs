//! Typed-form parsing (dates, names, countries, sex) and the comparison: any typed text gives a
//! form or a typed error naming a field, and any form compares without panicking.
#![no_main]

use kyc_ocr::compare::{check, CheckOptions, RawForm};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Fields separated by tabs, in the order of the form.
    let mut parts = text.split('\t').map(|s| Some(s.to_owned()));
    let mut next = || parts.next().flatten();
    let raw = RawForm {
        surname: next(),
        given_names: next(),
        name: next(),
        document_number: next(),
        nationality: next(),
        issuing_country: next(),
        birth_date: next(),
        expiry_date: next(),
        sex: next(),
        account_type: next(),
        document_type: next(),
    };
    let options = CheckOptions::default();
    if let Ok(form) = raw.parse(&options) {
        let mrz = kyc_ocr::mrz::parse(
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10",
        )
        .expect("the specimen parses");
        let _report = check(&mrz, &form, &options);
    }
});
