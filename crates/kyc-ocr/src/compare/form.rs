//! The typed KYC form: raw strings as the customer entered them ([`RawForm`]), parsed into
//! normalised values ([`TypedForm`]) with a typed [`FormError`] that names the field.

use serde::{Deserialize, Serialize};

use super::typed_date::{self, DateKind};
use super::verdict::FieldName;
use super::CheckOptions;
use crate::countries::{self, Country};
use crate::mrz::Sex;
use crate::translit::Spelling;

/// Longest accepted value of any typed field, in characters: far beyond any real name, small enough
/// that no typed value can make a comparison slow.
pub const MAX_FIELD_CHARS: usize = 200;

/// Longest document number accepted, after spaces and dashes are removed.
const MAX_DOCUMENT_NUMBER: usize = 30;

/// Whose account the check is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountType {
    /// A person.
    Individual,
    /// A company or other organisation (the document is its representative's).
    Organization,
}

/// What kind of document the customer says they photographed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentType {
    /// A passport (MRZ document code `P...`): checked automatically.
    Passport,
    /// Any other document (ID card, residence permit, visa): goes to manual review.
    Other,
}

impl DocumentType {
    /// The document type an MRZ document code implies: `P` and its variants are passports.
    pub fn of_document_code(code: &str) -> DocumentType {
        if code.starts_with('P') {
            DocumentType::Passport
        } else {
            DocumentType::Other
        }
    }

    /// The document type a customer or an operator names, as a form field or a command-line
    /// flag takes it: `passport` (or `p`), or `other` and its common names (`ID card`, `visa`,
    /// `residence permit`, ...), in any case and spacing; `None` for anything else.
    pub fn from_name(t: &str) -> Option<DocumentType> {
        let key: String = t
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect();
        match key.as_str() {
            "passport" | "p" => Some(DocumentType::Passport),
            "other" | "id" | "idcard" | "identitycard" | "nationalid" | "residencepermit"
            | "visa" | "card" => Some(DocumentType::Other),
            _ => None,
        }
    }

    /// The snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            DocumentType::Passport => "passport",
            DocumentType::Other => "other",
        }
    }
}

/// The form as typed: every field optional, free text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawForm {
    /// `individual` or `organization`.
    pub account_type: Option<String>,
    /// `passport` or `other` (also `id card`, `residence permit`, `visa`).
    pub document_type: Option<String>,
    /// Surname.
    pub surname: Option<String>,
    /// Given names.
    pub given_names: Option<String>,
    /// The full name in one field, given names first or surname first (instead of surname and
    /// given names).
    pub name: Option<String>,
    /// Document number; spaces and dashes are ignored.
    pub document_number: Option<String>,
    /// Nationality: ICAO/ISO alpha-3, alpha-2 or English name.
    pub nationality: Option<String>,
    /// Issuing country, as nationality.
    pub issuing_country: Option<String>,
    /// Date of birth in any common format.
    pub birth_date: Option<String>,
    /// Date of expiry in any common format.
    pub expiry_date: Option<String>,
    /// `M`, `F`, `X`, `male`, `female`, any case.
    pub sex: Option<String>,
}

/// The form parsed and normalised; absent fields are not compared.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TypedForm {
    /// Individual or organisation.
    pub account_type: Option<AccountType>,
    /// Passport or other.
    pub document_type: Option<DocumentType>,
    /// Surname as typed (trimmed).
    pub surname: Option<String>,
    /// Given names as typed (trimmed).
    pub given_names: Option<String>,
    /// Full name as typed (trimmed), used when surname and given names are not.
    pub full_name: Option<String>,
    /// Document number, upper case, spaces and dashes removed.
    pub document_number: Option<String>,
    /// Nationality.
    pub nationality: Option<&'static Country>,
    /// Issuing country.
    pub issuing_country: Option<&'static Country>,
    /// Date of birth.
    pub birth_date: Option<jiff::civil::Date>,
    /// Date of expiry.
    pub expiry_date: Option<jiff::civil::Date>,
    /// Sex (`X` is [`Sex::Unspecified`]).
    pub sex: Option<Sex>,
}

/// What is wrong with a typed field, for programs; [`FormError`]'s message says it for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FormErrorKind {
    /// A date that cannot be a date (`31/02/1984`, `yesterday`).
    InvalidDate,
    /// A country that is neither a known code nor a known English name.
    UnknownCountry,
    /// Sex other than M, F, X, male, female.
    InvalidSex,
    /// Account type other than individual or organization.
    InvalidAccountType,
    /// Document type other than passport or other.
    InvalidDocumentType,
    /// A document number with characters other than letters, digits, spaces and dashes.
    InvalidDocumentNumber,
    /// A name with characters that have no Latin spelling, or no letters at all.
    InvalidName,
    /// A full name given together with surname or given names.
    ConflictingNames,
    /// A value longer than [`MAX_FIELD_CHARS`].
    TooLong,
}

/// A typed field that cannot be used; the message names the field and quotes the value (it is shown
/// to the customer who typed it, never logged).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FormError {
    kind: FormErrorKind,
    field: FieldName,
    message: String,
}

impl FormError {
    fn new(kind: FormErrorKind, field: FieldName, message: String) -> FormError {
        FormError {
            kind,
            field,
            message,
        }
    }

    /// What is wrong.
    pub fn kind(&self) -> FormErrorKind {
        self.kind
    }

    /// The field concerned.
    pub fn field(&self) -> FieldName {
        self.field
    }
}

impl RawForm {
    /// Parses and normalises every present field; blank fields count as absent.
    ///
    /// Dates use `options.date_order` for day/month order and `options.today` for the century of
    /// two-digit years.
    pub fn parse(&self, options: &CheckOptions) -> Result<TypedForm, FormError> {
        TypedForm::parse(self, options)
    }
}

impl TypedForm {
    /// Parses and normalises a [`RawForm`]; see [`RawForm::parse`].
    pub fn parse(raw: &RawForm, options: &CheckOptions) -> Result<TypedForm, FormError> {
        let account_type = present(FieldName::AccountType, &raw.account_type)?
            .map(|t| {
                parse_account_type(t).ok_or_else(|| {
                    invalid_choice(FieldName::AccountType, t, "individual, organization")
                })
            })
            .transpose()?;
        let document_type = present(FieldName::DocumentType, &raw.document_type)?
            .map(|t| {
                DocumentType::from_name(t)
                    .ok_or_else(|| invalid_choice(FieldName::DocumentType, t, "passport, other"))
            })
            .transpose()?;
        let surname = name(FieldName::Surname, &raw.surname)?;
        let given_names = name(FieldName::GivenNames, &raw.given_names)?;
        let full_name = name(FieldName::Name, &raw.name)?;
        if full_name.is_some() && (surname.is_some() || given_names.is_some()) {
            return Err(FormError::new(
                FormErrorKind::ConflictingNames,
                FieldName::Name,
                "name cannot be combined with surname or given names".to_string(),
            ));
        }
        let document_number = present(FieldName::DocumentNumber, &raw.document_number)?
            .map(document_number)
            .transpose()?;
        let nationality = country(FieldName::Nationality, &raw.nationality)?;
        let issuing_country = country(FieldName::IssuingCountry, &raw.issuing_country)?;
        let birth_date = date(
            FieldName::BirthDate,
            &raw.birth_date,
            DateKind::Birth,
            options,
        )?;
        let expiry_date = date(
            FieldName::ExpiryDate,
            &raw.expiry_date,
            DateKind::Expiry,
            options,
        )?;
        let sex = present(FieldName::Sex, &raw.sex)?
            .map(|t| {
                parse_sex(t)
                    .ok_or_else(|| invalid_choice(FieldName::Sex, t, "m, f, x, male, female"))
            })
            .transpose()?;
        Ok(TypedForm {
            account_type,
            document_type,
            surname,
            given_names,
            full_name,
            document_number,
            nationality,
            issuing_country,
            birth_date,
            expiry_date,
            sex,
        })
    }
}

/// The trimmed value, `None` for an absent or blank field, an error for an overlong one.
fn present(field: FieldName, value: &Option<String>) -> Result<Option<&str>, FormError> {
    let Some(v) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if v.chars().count() > MAX_FIELD_CHARS {
        return Err(FormError::new(
            FormErrorKind::TooLong,
            field,
            format!("{field} is longer than {MAX_FIELD_CHARS} characters"),
        ));
    }
    Ok(Some(v))
}

fn invalid_choice(field: FieldName, value: &str, allowed: &str) -> FormError {
    let kind = match field {
        FieldName::AccountType => FormErrorKind::InvalidAccountType,
        FieldName::DocumentType => FormErrorKind::InvalidDocumentType,
        _ => FormErrorKind::InvalidSex,
    };
    FormError::new(
        kind,
        field,
        format!("{field} {value:?} is not one of {allowed}"),
    )
}

fn name(field: FieldName, value: &Option<String>) -> Result<Option<String>, FormError> {
    let Some(v) = present(field, value)? else {
        return Ok(None);
    };
    let spelling = Spelling::new(v);
    if spelling.has_untransliterable() {
        return Err(FormError::new(
            FormErrorKind::InvalidName,
            field,
            format!("{field} {v:?} has characters with no latin spelling"),
        ));
    }
    if spelling.is_empty() {
        return Err(FormError::new(
            FormErrorKind::InvalidName,
            field,
            format!("{field} {v:?} has no letters"),
        ));
    }
    Ok(Some(v.to_string()))
}

fn document_number(v: &str) -> Result<String, FormError> {
    let field = FieldName::DocumentNumber;
    let cleaned: String = v.chars().filter(|c| !is_number_separator(*c)).collect();
    if !cleaned.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(FormError::new(
            FormErrorKind::InvalidDocumentNumber,
            field,
            format!("{field} {v:?} has characters other than letters and digits"),
        ));
    }
    if cleaned.len() > MAX_DOCUMENT_NUMBER {
        return Err(FormError::new(
            FormErrorKind::TooLong,
            field,
            format!("{field} is longer than {MAX_DOCUMENT_NUMBER} characters"),
        ));
    }
    Ok(cleaned.to_ascii_uppercase())
}

/// Separators people type inside document numbers; they are not part of the number.
fn is_number_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '-' | '\u{2010}' | '\u{2011}' | '\u{2013}' | '\u{2014}')
}

fn country(
    field: FieldName,
    value: &Option<String>,
) -> Result<Option<&'static Country>, FormError> {
    let Some(v) = present(field, value)? else {
        return Ok(None);
    };
    countries::resolve(v).map(Some).ok_or_else(|| {
        FormError::new(
            FormErrorKind::UnknownCountry,
            field,
            format!("{field} {v:?} is not a known country"),
        )
    })
}

fn date(
    field: FieldName,
    value: &Option<String>,
    kind: DateKind,
    options: &CheckOptions,
) -> Result<Option<jiff::civil::Date>, FormError> {
    let Some(v) = present(field, value)? else {
        return Ok(None);
    };
    typed_date::parse(v, options.date_order, kind, options.today)
        .map(Some)
        .ok_or_else(|| {
            FormError::new(
                FormErrorKind::InvalidDate,
                field,
                format!("{field} {v:?} is not a date"),
            )
        })
}

fn parse_sex(t: &str) -> Option<Sex> {
    match t.to_lowercase().as_str() {
        "m" | "male" | "man" => Some(Sex::Male),
        "f" | "female" | "woman" => Some(Sex::Female),
        "x" | "<" | "unspecified" | "other" | "diverse" => Some(Sex::Unspecified),
        _ => None,
    }
}

fn parse_account_type(t: &str) -> Option<AccountType> {
    match t.to_lowercase().as_str() {
        "individual" | "personal" | "person" | "private" => Some(AccountType::Individual),
        "organization" | "organisation" | "org" | "company" | "business" | "corporate" => {
            Some(AccountType::Organization)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> CheckOptions {
        CheckOptions {
            today: jiff::civil::date(2025, 3, 15),
            ..CheckOptions::default()
        }
    }

    #[test]
    fn errors_name_the_field_verbatim() {
        let cases: Vec<(RawForm, FormErrorKind, FieldName, &str)> = vec![
            (
                RawForm {
                    birth_date: Some("31/02/1984".into()),
                    ..RawForm::default()
                },
                FormErrorKind::InvalidDate,
                FieldName::BirthDate,
                "birth date \"31/02/1984\" is not a date",
            ),
            (
                RawForm {
                    expiry_date: Some("soon".into()),
                    ..RawForm::default()
                },
                FormErrorKind::InvalidDate,
                FieldName::ExpiryDate,
                "expiry date \"soon\" is not a date",
            ),
            (
                RawForm {
                    nationality: Some("Atlantis".into()),
                    ..RawForm::default()
                },
                FormErrorKind::UnknownCountry,
                FieldName::Nationality,
                "nationality \"Atlantis\" is not a known country",
            ),
            (
                RawForm {
                    sex: Some("yes".into()),
                    ..RawForm::default()
                },
                FormErrorKind::InvalidSex,
                FieldName::Sex,
                "sex \"yes\" is not one of m, f, x, male, female",
            ),
            (
                RawForm {
                    account_type: Some("team".into()),
                    ..RawForm::default()
                },
                FormErrorKind::InvalidAccountType,
                FieldName::AccountType,
                "account type \"team\" is not one of individual, organization",
            ),
            (
                RawForm {
                    document_type: Some("library card".into()),
                    ..RawForm::default()
                },
                FormErrorKind::InvalidDocumentType,
                FieldName::DocumentType,
                "document type \"library card\" is not one of passport, other",
            ),
            (
                RawForm {
                    document_number: Some("AB#123".into()),
                    ..RawForm::default()
                },
                FormErrorKind::InvalidDocumentNumber,
                FieldName::DocumentNumber,
                "document number \"AB#123\" has characters other than letters and digits",
            ),
            (
                RawForm {
                    surname: Some("王".into()),
                    ..RawForm::default()
                },
                FormErrorKind::InvalidName,
                FieldName::Surname,
                "surname \"王\" has characters with no latin spelling",
            ),
            (
                RawForm {
                    given_names: Some("--".into()),
                    ..RawForm::default()
                },
                FormErrorKind::InvalidName,
                FieldName::GivenNames,
                "given names \"--\" has no letters",
            ),
            (
                RawForm {
                    name: Some("Anna".into()),
                    surname: Some("Eriksson".into()),
                    ..RawForm::default()
                },
                FormErrorKind::ConflictingNames,
                FieldName::Name,
                "name cannot be combined with surname or given names",
            ),
            (
                RawForm {
                    surname: Some("A".repeat(201)),
                    ..RawForm::default()
                },
                FormErrorKind::TooLong,
                FieldName::Surname,
                "surname is longer than 200 characters",
            ),
        ];
        for (raw, kind, field, message) in cases {
            let err = raw.parse(&opts()).expect_err(message);
            assert_eq!(err.to_string(), message);
            assert_eq!(err.kind(), kind, "{message}");
            assert_eq!(err.field(), field, "{message}");
        }
    }

    #[test]
    fn values_are_normalised() {
        let raw = RawForm {
            account_type: Some(" Organisation ".into()),
            document_type: Some("ID card".into()),
            surname: Some("  Eriksson ".into()),
            given_names: Some("   ".into()),
            document_number: Some("l898 902-c3".into()),
            nationality: Some("de".into()),
            issuing_country: Some("Germany".into()),
            birth_date: Some("12 Aug 1974".into()),
            expiry_date: Some("2030-04-15".into()),
            sex: Some("FEMALE".into()),
            ..RawForm::default()
        };
        let f = raw.parse(&opts()).unwrap();
        assert_eq!(f.account_type, Some(AccountType::Organization));
        assert_eq!(f.document_type, Some(DocumentType::Other));
        assert_eq!(f.surname.as_deref(), Some("Eriksson"));
        assert_eq!(f.given_names, None);
        assert_eq!(f.document_number.as_deref(), Some("L898902C3"));
        assert_eq!(f.nationality.map(|c| c.mrz_code), Some("D"));
        assert_eq!(f.issuing_country.map(|c| c.mrz_code), Some("D"));
        assert_eq!(f.birth_date, Some(jiff::civil::date(1974, 8, 12)));
        assert_eq!(f.expiry_date, Some(jiff::civil::date(2030, 4, 15)));
        assert_eq!(f.sex, Some(Sex::Female));
        for (typed, sex) in [
            ("m", Sex::Male),
            ("Male", Sex::Male),
            ("f", Sex::Female),
            ("x", Sex::Unspecified),
        ] {
            let raw = RawForm {
                sex: Some(typed.into()),
                ..RawForm::default()
            };
            assert_eq!(raw.parse(&opts()).unwrap().sex, Some(sex), "{typed}");
        }
    }
}
