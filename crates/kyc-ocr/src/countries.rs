//! Country and organisation codes of ICAO Doc 9303 Part 3, with ISO 3166 alpha-2 codes and
//! English names, so that MRZ codes can be named and typed countries (`Germany`, `DE`, `DEU`, `D`)
//! resolved to the code an MRZ carries.
//!
//! Generated from ISO 3166-1 (via the `pycountry` tables) plus the ICAO-only codes; `D` is Germany
//! in an MRZ, and `DEU` is accepted as its ISO synonym.

/// One row of the code table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Country {
    /// The code as written in an MRZ (three letters, or `D` for Germany).
    pub mrz_code: &'static str,
    /// ISO 3166-1 alpha-3 code (`DEU` for Germany), or the MRZ code where ISO has none.
    pub alpha3: &'static str,
    /// ISO 3166-1 alpha-2 code, empty where ISO has none.
    pub alpha2: &'static str,
    /// Common English name.
    pub name: &'static str,
    /// Other English names people type (official names), possibly empty.
    pub other_name: &'static str,
}

/// Every known code, ISO states first, then the ICAO-only codes.
// One row per line keeps the generated table readable and diffable.
#[rustfmt::skip]
pub const COUNTRIES: &[Country] = &[
    Country { mrz_code: "ABW", alpha3: "ABW", alpha2: "AW", name: "Aruba", other_name: "" },
    Country { mrz_code: "AFG", alpha3: "AFG", alpha2: "AF", name: "Afghanistan", other_name: "Islamic Republic of Afghanistan" },
    Country { mrz_code: "AGO", alpha3: "AGO", alpha2: "AO", name: "Angola", other_name: "Republic of Angola" },
    Country { mrz_code: "AIA", alpha3: "AIA", alpha2: "AI", name: "Anguilla", other_name: "" },
    Country { mrz_code: "ALA", alpha3: "ALA", alpha2: "AX", name: "Åland Islands", other_name: "" },
    Country { mrz_code: "ALB", alpha3: "ALB", alpha2: "AL", name: "Albania", other_name: "Republic of Albania" },
    Country { mrz_code: "AND", alpha3: "AND", alpha2: "AD", name: "Andorra", other_name: "Principality of Andorra" },
    Country { mrz_code: "ARE", alpha3: "ARE", alpha2: "AE", name: "United Arab Emirates", other_name: "" },
    Country { mrz_code: "ARG", alpha3: "ARG", alpha2: "AR", name: "Argentina", other_name: "Argentine Republic" },
    Country { mrz_code: "ARM", alpha3: "ARM", alpha2: "AM", name: "Armenia", other_name: "Republic of Armenia" },
    Country { mrz_code: "ASM", alpha3: "ASM", alpha2: "AS", name: "American Samoa", other_name: "" },
    Country { mrz_code: "ATA", alpha3: "ATA", alpha2: "AQ", name: "Antarctica", other_name: "" },
    Country { mrz_code: "ATF", alpha3: "ATF", alpha2: "TF", name: "French Southern Territories", other_name: "" },
    Country { mrz_code: "ATG", alpha3: "ATG", alpha2: "AG", name: "Antigua and Barbuda", other_name: "" },
    Country { mrz_code: "AUS", alpha3: "AUS", alpha2: "AU", name: "Australia", other_name: "" },
    Country { mrz_code: "AUT", alpha3: "AUT", alpha2: "AT", name: "Austria", other_name: "Republic of Austria" },
    Country { mrz_code: "AZE", alpha3: "AZE", alpha2: "AZ", name: "Azerbaijan", other_name: "Republic of Azerbaijan" },
    Country { mrz_code: "BDI", alpha3: "BDI", alpha2: "BI", name: "Burundi", other_name: "Republic of Burundi" },
    Country { mrz_code: "BEL", alpha3: "BEL", alpha2: "BE", name: "Belgium", other_name: "Kingdom of Belgium" },
    Country { mrz_code: "BEN", alpha3: "BEN", alpha2: "BJ", name: "Benin", other_name: "Republic of Benin" },
    Country { mrz_code: "BES", alpha3: "BES", alpha2: "BQ", name: "Bonaire, Sint Eustatius and Saba", other_name: "Bonaire, Sint Eustatius and Saba" },
    Country { mrz_code: "BFA", alpha3: "BFA", alpha2: "BF", name: "Burkina Faso", other_name: "" },
    Country { mrz_code: "BGD", alpha3: "BGD", alpha2: "BD", name: "Bangladesh", other_name: "People's Republic of Bangladesh" },
    Country { mrz_code: "BGR", alpha3: "BGR", alpha2: "BG", name: "Bulgaria", other_name: "Republic of Bulgaria" },
    Country { mrz_code: "BHR", alpha3: "BHR", alpha2: "BH", name: "Bahrain", other_name: "Kingdom of Bahrain" },
    Country { mrz_code: "BHS", alpha3: "BHS", alpha2: "BS", name: "Bahamas", other_name: "Commonwealth of the Bahamas" },
    Country { mrz_code: "BIH", alpha3: "BIH", alpha2: "BA", name: "Bosnia and Herzegovina", other_name: "Republic of Bosnia and Herzegovina" },
    Country { mrz_code: "BLM", alpha3: "BLM", alpha2: "BL", name: "Saint Barthélemy", other_name: "" },
    Country { mrz_code: "BLR", alpha3: "BLR", alpha2: "BY", name: "Belarus", other_name: "Republic of Belarus" },
    Country { mrz_code: "BLZ", alpha3: "BLZ", alpha2: "BZ", name: "Belize", other_name: "" },
    Country { mrz_code: "BMU", alpha3: "BMU", alpha2: "BM", name: "Bermuda", other_name: "" },
    Country { mrz_code: "BOL", alpha3: "BOL", alpha2: "BO", name: "Bolivia", other_name: "Plurinational State of Bolivia" },
    Country { mrz_code: "BRA", alpha3: "BRA", alpha2: "BR", name: "Brazil", other_name: "Federative Republic of Brazil" },
    Country { mrz_code: "BRB", alpha3: "BRB", alpha2: "BB", name: "Barbados", other_name: "" },
    Country { mrz_code: "BRN", alpha3: "BRN", alpha2: "BN", name: "Brunei Darussalam", other_name: "" },
    Country { mrz_code: "BTN", alpha3: "BTN", alpha2: "BT", name: "Bhutan", other_name: "Kingdom of Bhutan" },
    Country { mrz_code: "BVT", alpha3: "BVT", alpha2: "BV", name: "Bouvet Island", other_name: "" },
    Country { mrz_code: "BWA", alpha3: "BWA", alpha2: "BW", name: "Botswana", other_name: "Republic of Botswana" },
    Country { mrz_code: "CAF", alpha3: "CAF", alpha2: "CF", name: "Central African Republic", other_name: "" },
    Country { mrz_code: "CAN", alpha3: "CAN", alpha2: "CA", name: "Canada", other_name: "" },
    Country { mrz_code: "CCK", alpha3: "CCK", alpha2: "CC", name: "Cocos (Keeling) Islands", other_name: "" },
    Country { mrz_code: "CHE", alpha3: "CHE", alpha2: "CH", name: "Switzerland", other_name: "Swiss Confederation" },
    Country { mrz_code: "CHL", alpha3: "CHL", alpha2: "CL", name: "Chile", other_name: "Republic of Chile" },
    Country { mrz_code: "CHN", alpha3: "CHN", alpha2: "CN", name: "China", other_name: "People's Republic of China" },
    Country { mrz_code: "CIV", alpha3: "CIV", alpha2: "CI", name: "Côte d'Ivoire", other_name: "Republic of Côte d'Ivoire" },
    Country { mrz_code: "CMR", alpha3: "CMR", alpha2: "CM", name: "Cameroon", other_name: "Republic of Cameroon" },
    Country { mrz_code: "COD", alpha3: "COD", alpha2: "CD", name: "Congo, The Democratic Republic of the", other_name: "" },
    Country { mrz_code: "COG", alpha3: "COG", alpha2: "CG", name: "Congo", other_name: "Republic of the Congo" },
    Country { mrz_code: "COK", alpha3: "COK", alpha2: "CK", name: "Cook Islands", other_name: "" },
    Country { mrz_code: "COL", alpha3: "COL", alpha2: "CO", name: "Colombia", other_name: "Republic of Colombia" },
    Country { mrz_code: "COM", alpha3: "COM", alpha2: "KM", name: "Comoros", other_name: "Union of the Comoros" },
    Country { mrz_code: "CPV", alpha3: "CPV", alpha2: "CV", name: "Cabo Verde", other_name: "Republic of Cabo Verde" },
    Country { mrz_code: "CRI", alpha3: "CRI", alpha2: "CR", name: "Costa Rica", other_name: "Republic of Costa Rica" },
    Country { mrz_code: "CUB", alpha3: "CUB", alpha2: "CU", name: "Cuba", other_name: "Republic of Cuba" },
    Country { mrz_code: "CUW", alpha3: "CUW", alpha2: "CW", name: "Curaçao", other_name: "Curaçao" },
    Country { mrz_code: "CXR", alpha3: "CXR", alpha2: "CX", name: "Christmas Island", other_name: "" },
    Country { mrz_code: "CYM", alpha3: "CYM", alpha2: "KY", name: "Cayman Islands", other_name: "" },
    Country { mrz_code: "CYP", alpha3: "CYP", alpha2: "CY", name: "Cyprus", other_name: "Republic of Cyprus" },
    Country { mrz_code: "CZE", alpha3: "CZE", alpha2: "CZ", name: "Czechia", other_name: "Czech Republic" },
    Country { mrz_code: "D", alpha3: "DEU", alpha2: "DE", name: "Germany", other_name: "Federal Republic of Germany" },
    Country { mrz_code: "DJI", alpha3: "DJI", alpha2: "DJ", name: "Djibouti", other_name: "Republic of Djibouti" },
    Country { mrz_code: "DMA", alpha3: "DMA", alpha2: "DM", name: "Dominica", other_name: "Commonwealth of Dominica" },
    Country { mrz_code: "DNK", alpha3: "DNK", alpha2: "DK", name: "Denmark", other_name: "Kingdom of Denmark" },
    Country { mrz_code: "DOM", alpha3: "DOM", alpha2: "DO", name: "Dominican Republic", other_name: "" },
    Country { mrz_code: "DZA", alpha3: "DZA", alpha2: "DZ", name: "Algeria", other_name: "People's Democratic Republic of Algeria" },
    Country { mrz_code: "ECU", alpha3: "ECU", alpha2: "EC", name: "Ecuador", other_name: "Republic of Ecuador" },
    Country { mrz_code: "EGY", alpha3: "EGY", alpha2: "EG", name: "Egypt", other_name: "Arab Republic of Egypt" },
    Country { mrz_code: "ERI", alpha3: "ERI", alpha2: "ER", name: "Eritrea", other_name: "the State of Eritrea" },
    Country { mrz_code: "ESH", alpha3: "ESH", alpha2: "EH", name: "Western Sahara", other_name: "" },
    Country { mrz_code: "ESP", alpha3: "ESP", alpha2: "ES", name: "Spain", other_name: "Kingdom of Spain" },
    Country { mrz_code: "EST", alpha3: "EST", alpha2: "EE", name: "Estonia", other_name: "Republic of Estonia" },
    Country { mrz_code: "ETH", alpha3: "ETH", alpha2: "ET", name: "Ethiopia", other_name: "Federal Democratic Republic of Ethiopia" },
    Country { mrz_code: "FIN", alpha3: "FIN", alpha2: "FI", name: "Finland", other_name: "Republic of Finland" },
    Country { mrz_code: "FJI", alpha3: "FJI", alpha2: "FJ", name: "Fiji", other_name: "Republic of Fiji" },
    Country { mrz_code: "FLK", alpha3: "FLK", alpha2: "FK", name: "Falkland Islands (Malvinas)", other_name: "" },
    Country { mrz_code: "FRA", alpha3: "FRA", alpha2: "FR", name: "France", other_name: "French Republic" },
    Country { mrz_code: "FRO", alpha3: "FRO", alpha2: "FO", name: "Faroe Islands", other_name: "" },
    Country { mrz_code: "FSM", alpha3: "FSM", alpha2: "FM", name: "Micronesia, Federated States of", other_name: "Federated States of Micronesia" },
    Country { mrz_code: "GAB", alpha3: "GAB", alpha2: "GA", name: "Gabon", other_name: "Gabonese Republic" },
    Country { mrz_code: "GBR", alpha3: "GBR", alpha2: "GB", name: "United Kingdom", other_name: "United Kingdom of Great Britain and Northern Ireland" },
    Country { mrz_code: "GEO", alpha3: "GEO", alpha2: "GE", name: "Georgia", other_name: "" },
    Country { mrz_code: "GGY", alpha3: "GGY", alpha2: "GG", name: "Guernsey", other_name: "" },
    Country { mrz_code: "GHA", alpha3: "GHA", alpha2: "GH", name: "Ghana", other_name: "Republic of Ghana" },
    Country { mrz_code: "GIB", alpha3: "GIB", alpha2: "GI", name: "Gibraltar", other_name: "" },
    Country { mrz_code: "GIN", alpha3: "GIN", alpha2: "GN", name: "Guinea", other_name: "Republic of Guinea" },
    Country { mrz_code: "GLP", alpha3: "GLP", alpha2: "GP", name: "Guadeloupe", other_name: "" },
    Country { mrz_code: "GMB", alpha3: "GMB", alpha2: "GM", name: "Gambia", other_name: "Republic of the Gambia" },
    Country { mrz_code: "GNB", alpha3: "GNB", alpha2: "GW", name: "Guinea-Bissau", other_name: "Republic of Guinea-Bissau" },
    Country { mrz_code: "GNQ", alpha3: "GNQ", alpha2: "GQ", name: "Equatorial Guinea", other_name: "Republic of Equatorial Guinea" },
    Country { mrz_code: "GRC", alpha3: "GRC", alpha2: "GR", name: "Greece", other_name: "Hellenic Republic" },
    Country { mrz_code: "GRD", alpha3: "GRD", alpha2: "GD", name: "Grenada", other_name: "" },
    Country { mrz_code: "GRL", alpha3: "GRL", alpha2: "GL", name: "Greenland", other_name: "" },
    Country { mrz_code: "GTM", alpha3: "GTM", alpha2: "GT", name: "Guatemala", other_name: "Republic of Guatemala" },
    Country { mrz_code: "GUF", alpha3: "GUF", alpha2: "GF", name: "French Guiana", other_name: "" },
    Country { mrz_code: "GUM", alpha3: "GUM", alpha2: "GU", name: "Guam", other_name: "" },
    Country { mrz_code: "GUY", alpha3: "GUY", alpha2: "GY", name: "Guyana", other_name: "Republic of Guyana" },
    Country { mrz_code: "HKG", alpha3: "HKG", alpha2: "HK", name: "Hong Kong", other_name: "Hong Kong Special Administrative Region of China" },
    Country { mrz_code: "HMD", alpha3: "HMD", alpha2: "HM", name: "Heard Island and McDonald Islands", other_name: "" },
    Country { mrz_code: "HND", alpha3: "HND", alpha2: "HN", name: "Honduras", other_name: "Republic of Honduras" },
    Country { mrz_code: "HRV", alpha3: "HRV", alpha2: "HR", name: "Croatia", other_name: "Republic of Croatia" },
    Country { mrz_code: "HTI", alpha3: "HTI", alpha2: "HT", name: "Haiti", other_name: "Republic of Haiti" },
    Country { mrz_code: "HUN", alpha3: "HUN", alpha2: "HU", name: "Hungary", other_name: "Hungary" },
    Country { mrz_code: "IDN", alpha3: "IDN", alpha2: "ID", name: "Indonesia", other_name: "Republic of Indonesia" },
    Country { mrz_code: "IMN", alpha3: "IMN", alpha2: "IM", name: "Isle of Man", other_name: "" },
    Country { mrz_code: "IND", alpha3: "IND", alpha2: "IN", name: "India", other_name: "Republic of India" },
    Country { mrz_code: "IOT", alpha3: "IOT", alpha2: "IO", name: "British Indian Ocean Territory", other_name: "" },
    Country { mrz_code: "IRL", alpha3: "IRL", alpha2: "IE", name: "Ireland", other_name: "" },
    Country { mrz_code: "IRN", alpha3: "IRN", alpha2: "IR", name: "Iran", other_name: "Islamic Republic of Iran" },
    Country { mrz_code: "IRQ", alpha3: "IRQ", alpha2: "IQ", name: "Iraq", other_name: "Republic of Iraq" },
    Country { mrz_code: "ISL", alpha3: "ISL", alpha2: "IS", name: "Iceland", other_name: "Republic of Iceland" },
    Country { mrz_code: "ISR", alpha3: "ISR", alpha2: "IL", name: "Israel", other_name: "State of Israel" },
    Country { mrz_code: "ITA", alpha3: "ITA", alpha2: "IT", name: "Italy", other_name: "Italian Republic" },
    Country { mrz_code: "JAM", alpha3: "JAM", alpha2: "JM", name: "Jamaica", other_name: "" },
    Country { mrz_code: "JEY", alpha3: "JEY", alpha2: "JE", name: "Jersey", other_name: "" },
    Country { mrz_code: "JOR", alpha3: "JOR", alpha2: "JO", name: "Jordan", other_name: "Hashemite Kingdom of Jordan" },
    Country { mrz_code: "JPN", alpha3: "JPN", alpha2: "JP", name: "Japan", other_name: "" },
    Country { mrz_code: "KAZ", alpha3: "KAZ", alpha2: "KZ", name: "Kazakhstan", other_name: "Republic of Kazakhstan" },
    Country { mrz_code: "KEN", alpha3: "KEN", alpha2: "KE", name: "Kenya", other_name: "Republic of Kenya" },
    Country { mrz_code: "KGZ", alpha3: "KGZ", alpha2: "KG", name: "Kyrgyzstan", other_name: "Kyrgyz Republic" },
    Country { mrz_code: "KHM", alpha3: "KHM", alpha2: "KH", name: "Cambodia", other_name: "Kingdom of Cambodia" },
    Country { mrz_code: "KIR", alpha3: "KIR", alpha2: "KI", name: "Kiribati", other_name: "Republic of Kiribati" },
    Country { mrz_code: "KNA", alpha3: "KNA", alpha2: "KN", name: "Saint Kitts and Nevis", other_name: "" },
    Country { mrz_code: "KOR", alpha3: "KOR", alpha2: "KR", name: "South Korea", other_name: "" },
    Country { mrz_code: "KWT", alpha3: "KWT", alpha2: "KW", name: "Kuwait", other_name: "State of Kuwait" },
    Country { mrz_code: "LAO", alpha3: "LAO", alpha2: "LA", name: "Laos", other_name: "" },
    Country { mrz_code: "LBN", alpha3: "LBN", alpha2: "LB", name: "Lebanon", other_name: "Lebanese Republic" },
    Country { mrz_code: "LBR", alpha3: "LBR", alpha2: "LR", name: "Liberia", other_name: "Republic of Liberia" },
    Country { mrz_code: "LBY", alpha3: "LBY", alpha2: "LY", name: "Libya", other_name: "Libya" },
    Country { mrz_code: "LCA", alpha3: "LCA", alpha2: "LC", name: "Saint Lucia", other_name: "" },
    Country { mrz_code: "LIE", alpha3: "LIE", alpha2: "LI", name: "Liechtenstein", other_name: "Principality of Liechtenstein" },
    Country { mrz_code: "LKA", alpha3: "LKA", alpha2: "LK", name: "Sri Lanka", other_name: "Democratic Socialist Republic of Sri Lanka" },
    Country { mrz_code: "LSO", alpha3: "LSO", alpha2: "LS", name: "Lesotho", other_name: "Kingdom of Lesotho" },
    Country { mrz_code: "LTU", alpha3: "LTU", alpha2: "LT", name: "Lithuania", other_name: "Republic of Lithuania" },
    Country { mrz_code: "LUX", alpha3: "LUX", alpha2: "LU", name: "Luxembourg", other_name: "Grand Duchy of Luxembourg" },
    Country { mrz_code: "LVA", alpha3: "LVA", alpha2: "LV", name: "Latvia", other_name: "Republic of Latvia" },
    Country { mrz_code: "MAC", alpha3: "MAC", alpha2: "MO", name: "Macao", other_name: "Macao Special Administrative Region of China" },
    Country { mrz_code: "MAF", alpha3: "MAF", alpha2: "MF", name: "Saint Martin (French part)", other_name: "" },
    Country { mrz_code: "MAR", alpha3: "MAR", alpha2: "MA", name: "Morocco", other_name: "Kingdom of Morocco" },
    Country { mrz_code: "MCO", alpha3: "MCO", alpha2: "MC", name: "Monaco", other_name: "Principality of Monaco" },
    Country { mrz_code: "MDA", alpha3: "MDA", alpha2: "MD", name: "Moldova", other_name: "Republic of Moldova" },
    Country { mrz_code: "MDG", alpha3: "MDG", alpha2: "MG", name: "Madagascar", other_name: "Republic of Madagascar" },
    Country { mrz_code: "MDV", alpha3: "MDV", alpha2: "MV", name: "Maldives", other_name: "Republic of Maldives" },
    Country { mrz_code: "MEX", alpha3: "MEX", alpha2: "MX", name: "Mexico", other_name: "United Mexican States" },
    Country { mrz_code: "MHL", alpha3: "MHL", alpha2: "MH", name: "Marshall Islands", other_name: "Republic of the Marshall Islands" },
    Country { mrz_code: "MKD", alpha3: "MKD", alpha2: "MK", name: "North Macedonia", other_name: "Republic of North Macedonia" },
    Country { mrz_code: "MLI", alpha3: "MLI", alpha2: "ML", name: "Mali", other_name: "Republic of Mali" },
    Country { mrz_code: "MLT", alpha3: "MLT", alpha2: "MT", name: "Malta", other_name: "Republic of Malta" },
    Country { mrz_code: "MMR", alpha3: "MMR", alpha2: "MM", name: "Myanmar", other_name: "Republic of Myanmar" },
    Country { mrz_code: "MNE", alpha3: "MNE", alpha2: "ME", name: "Montenegro", other_name: "Montenegro" },
    Country { mrz_code: "MNG", alpha3: "MNG", alpha2: "MN", name: "Mongolia", other_name: "" },
    Country { mrz_code: "MNP", alpha3: "MNP", alpha2: "MP", name: "Northern Mariana Islands", other_name: "Commonwealth of the Northern Mariana Islands" },
    Country { mrz_code: "MOZ", alpha3: "MOZ", alpha2: "MZ", name: "Mozambique", other_name: "Republic of Mozambique" },
    Country { mrz_code: "MRT", alpha3: "MRT", alpha2: "MR", name: "Mauritania", other_name: "Islamic Republic of Mauritania" },
    Country { mrz_code: "MSR", alpha3: "MSR", alpha2: "MS", name: "Montserrat", other_name: "" },
    Country { mrz_code: "MTQ", alpha3: "MTQ", alpha2: "MQ", name: "Martinique", other_name: "" },
    Country { mrz_code: "MUS", alpha3: "MUS", alpha2: "MU", name: "Mauritius", other_name: "Republic of Mauritius" },
    Country { mrz_code: "MWI", alpha3: "MWI", alpha2: "MW", name: "Malawi", other_name: "Republic of Malawi" },
    Country { mrz_code: "MYS", alpha3: "MYS", alpha2: "MY", name: "Malaysia", other_name: "" },
    Country { mrz_code: "MYT", alpha3: "MYT", alpha2: "YT", name: "Mayotte", other_name: "" },
    Country { mrz_code: "NAM", alpha3: "NAM", alpha2: "NA", name: "Namibia", other_name: "Republic of Namibia" },
    Country { mrz_code: "NCL", alpha3: "NCL", alpha2: "NC", name: "New Caledonia", other_name: "" },
    Country { mrz_code: "NER", alpha3: "NER", alpha2: "NE", name: "Niger", other_name: "Republic of the Niger" },
    Country { mrz_code: "NFK", alpha3: "NFK", alpha2: "NF", name: "Norfolk Island", other_name: "" },
    Country { mrz_code: "NGA", alpha3: "NGA", alpha2: "NG", name: "Nigeria", other_name: "Federal Republic of Nigeria" },
    Country { mrz_code: "NIC", alpha3: "NIC", alpha2: "NI", name: "Nicaragua", other_name: "Republic of Nicaragua" },
    Country { mrz_code: "NIU", alpha3: "NIU", alpha2: "NU", name: "Niue", other_name: "Niue" },
    Country { mrz_code: "NLD", alpha3: "NLD", alpha2: "NL", name: "Netherlands", other_name: "Kingdom of the Netherlands" },
    Country { mrz_code: "NOR", alpha3: "NOR", alpha2: "NO", name: "Norway", other_name: "Kingdom of Norway" },
    Country { mrz_code: "NPL", alpha3: "NPL", alpha2: "NP", name: "Nepal", other_name: "Federal Democratic Republic of Nepal" },
    Country { mrz_code: "NRU", alpha3: "NRU", alpha2: "NR", name: "Nauru", other_name: "Republic of Nauru" },
    Country { mrz_code: "NZL", alpha3: "NZL", alpha2: "NZ", name: "New Zealand", other_name: "" },
    Country { mrz_code: "OMN", alpha3: "OMN", alpha2: "OM", name: "Oman", other_name: "Sultanate of Oman" },
    Country { mrz_code: "PAK", alpha3: "PAK", alpha2: "PK", name: "Pakistan", other_name: "Islamic Republic of Pakistan" },
    Country { mrz_code: "PAN", alpha3: "PAN", alpha2: "PA", name: "Panama", other_name: "Republic of Panama" },
    Country { mrz_code: "PCN", alpha3: "PCN", alpha2: "PN", name: "Pitcairn", other_name: "" },
    Country { mrz_code: "PER", alpha3: "PER", alpha2: "PE", name: "Peru", other_name: "Republic of Peru" },
    Country { mrz_code: "PHL", alpha3: "PHL", alpha2: "PH", name: "Philippines", other_name: "Republic of the Philippines" },
    Country { mrz_code: "PLW", alpha3: "PLW", alpha2: "PW", name: "Palau", other_name: "Republic of Palau" },
    Country { mrz_code: "PNG", alpha3: "PNG", alpha2: "PG", name: "Papua New Guinea", other_name: "Independent State of Papua New Guinea" },
    Country { mrz_code: "POL", alpha3: "POL", alpha2: "PL", name: "Poland", other_name: "Republic of Poland" },
    Country { mrz_code: "PRI", alpha3: "PRI", alpha2: "PR", name: "Puerto Rico", other_name: "" },
    Country { mrz_code: "PRK", alpha3: "PRK", alpha2: "KP", name: "North Korea", other_name: "Democratic People's Republic of Korea" },
    Country { mrz_code: "PRT", alpha3: "PRT", alpha2: "PT", name: "Portugal", other_name: "Portuguese Republic" },
    Country { mrz_code: "PRY", alpha3: "PRY", alpha2: "PY", name: "Paraguay", other_name: "Republic of Paraguay" },
    Country { mrz_code: "PSE", alpha3: "PSE", alpha2: "PS", name: "Palestine, State of", other_name: "the State of Palestine" },
    Country { mrz_code: "PYF", alpha3: "PYF", alpha2: "PF", name: "French Polynesia", other_name: "" },
    Country { mrz_code: "QAT", alpha3: "QAT", alpha2: "QA", name: "Qatar", other_name: "State of Qatar" },
    Country { mrz_code: "REU", alpha3: "REU", alpha2: "RE", name: "Réunion", other_name: "" },
    Country { mrz_code: "ROU", alpha3: "ROU", alpha2: "RO", name: "Romania", other_name: "" },
    Country { mrz_code: "RUS", alpha3: "RUS", alpha2: "RU", name: "Russian Federation", other_name: "" },
    Country { mrz_code: "RWA", alpha3: "RWA", alpha2: "RW", name: "Rwanda", other_name: "Rwandese Republic" },
    Country { mrz_code: "SAU", alpha3: "SAU", alpha2: "SA", name: "Saudi Arabia", other_name: "Kingdom of Saudi Arabia" },
    Country { mrz_code: "SDN", alpha3: "SDN", alpha2: "SD", name: "Sudan", other_name: "Republic of the Sudan" },
    Country { mrz_code: "SEN", alpha3: "SEN", alpha2: "SN", name: "Senegal", other_name: "Republic of Senegal" },
    Country { mrz_code: "SGP", alpha3: "SGP", alpha2: "SG", name: "Singapore", other_name: "Republic of Singapore" },
    Country { mrz_code: "SGS", alpha3: "SGS", alpha2: "GS", name: "South Georgia and the South Sandwich Islands", other_name: "" },
    Country { mrz_code: "SHN", alpha3: "SHN", alpha2: "SH", name: "Saint Helena, Ascension and Tristan da Cunha", other_name: "" },
    Country { mrz_code: "SJM", alpha3: "SJM", alpha2: "SJ", name: "Svalbard and Jan Mayen", other_name: "" },
    Country { mrz_code: "SLB", alpha3: "SLB", alpha2: "SB", name: "Solomon Islands", other_name: "" },
    Country { mrz_code: "SLE", alpha3: "SLE", alpha2: "SL", name: "Sierra Leone", other_name: "Republic of Sierra Leone" },
    Country { mrz_code: "SLV", alpha3: "SLV", alpha2: "SV", name: "El Salvador", other_name: "Republic of El Salvador" },
    Country { mrz_code: "SMR", alpha3: "SMR", alpha2: "SM", name: "San Marino", other_name: "Republic of San Marino" },
    Country { mrz_code: "SOM", alpha3: "SOM", alpha2: "SO", name: "Somalia", other_name: "Federal Republic of Somalia" },
    Country { mrz_code: "SPM", alpha3: "SPM", alpha2: "PM", name: "Saint Pierre and Miquelon", other_name: "" },
    Country { mrz_code: "SRB", alpha3: "SRB", alpha2: "RS", name: "Serbia", other_name: "Republic of Serbia" },
    Country { mrz_code: "SSD", alpha3: "SSD", alpha2: "SS", name: "South Sudan", other_name: "Republic of South Sudan" },
    Country { mrz_code: "STP", alpha3: "STP", alpha2: "ST", name: "Sao Tome and Principe", other_name: "Democratic Republic of Sao Tome and Principe" },
    Country { mrz_code: "SUR", alpha3: "SUR", alpha2: "SR", name: "Suriname", other_name: "Republic of Suriname" },
    Country { mrz_code: "SVK", alpha3: "SVK", alpha2: "SK", name: "Slovakia", other_name: "Slovak Republic" },
    Country { mrz_code: "SVN", alpha3: "SVN", alpha2: "SI", name: "Slovenia", other_name: "Republic of Slovenia" },
    Country { mrz_code: "SWE", alpha3: "SWE", alpha2: "SE", name: "Sweden", other_name: "Kingdom of Sweden" },
    Country { mrz_code: "SWZ", alpha3: "SWZ", alpha2: "SZ", name: "Eswatini", other_name: "Kingdom of Eswatini" },
    Country { mrz_code: "SXM", alpha3: "SXM", alpha2: "SX", name: "Sint Maarten (Dutch part)", other_name: "Sint Maarten (Dutch part)" },
    Country { mrz_code: "SYC", alpha3: "SYC", alpha2: "SC", name: "Seychelles", other_name: "Republic of Seychelles" },
    Country { mrz_code: "SYR", alpha3: "SYR", alpha2: "SY", name: "Syria", other_name: "" },
    Country { mrz_code: "TCA", alpha3: "TCA", alpha2: "TC", name: "Turks and Caicos Islands", other_name: "" },
    Country { mrz_code: "TCD", alpha3: "TCD", alpha2: "TD", name: "Chad", other_name: "Republic of Chad" },
    Country { mrz_code: "TGO", alpha3: "TGO", alpha2: "TG", name: "Togo", other_name: "Togolese Republic" },
    Country { mrz_code: "THA", alpha3: "THA", alpha2: "TH", name: "Thailand", other_name: "Kingdom of Thailand" },
    Country { mrz_code: "TJK", alpha3: "TJK", alpha2: "TJ", name: "Tajikistan", other_name: "Republic of Tajikistan" },
    Country { mrz_code: "TKL", alpha3: "TKL", alpha2: "TK", name: "Tokelau", other_name: "" },
    Country { mrz_code: "TKM", alpha3: "TKM", alpha2: "TM", name: "Turkmenistan", other_name: "" },
    Country { mrz_code: "TLS", alpha3: "TLS", alpha2: "TL", name: "Timor-Leste", other_name: "Democratic Republic of Timor-Leste" },
    Country { mrz_code: "TON", alpha3: "TON", alpha2: "TO", name: "Tonga", other_name: "Kingdom of Tonga" },
    Country { mrz_code: "TTO", alpha3: "TTO", alpha2: "TT", name: "Trinidad and Tobago", other_name: "Republic of Trinidad and Tobago" },
    Country { mrz_code: "TUN", alpha3: "TUN", alpha2: "TN", name: "Tunisia", other_name: "Republic of Tunisia" },
    Country { mrz_code: "TUR", alpha3: "TUR", alpha2: "TR", name: "Türkiye", other_name: "Republic of Türkiye" },
    Country { mrz_code: "TUV", alpha3: "TUV", alpha2: "TV", name: "Tuvalu", other_name: "" },
    Country { mrz_code: "TWN", alpha3: "TWN", alpha2: "TW", name: "Taiwan", other_name: "Taiwan, Province of China" },
    Country { mrz_code: "TZA", alpha3: "TZA", alpha2: "TZ", name: "Tanzania", other_name: "United Republic of Tanzania" },
    Country { mrz_code: "UGA", alpha3: "UGA", alpha2: "UG", name: "Uganda", other_name: "Republic of Uganda" },
    Country { mrz_code: "UKR", alpha3: "UKR", alpha2: "UA", name: "Ukraine", other_name: "" },
    Country { mrz_code: "UMI", alpha3: "UMI", alpha2: "UM", name: "United States Minor Outlying Islands", other_name: "" },
    Country { mrz_code: "URY", alpha3: "URY", alpha2: "UY", name: "Uruguay", other_name: "Eastern Republic of Uruguay" },
    Country { mrz_code: "USA", alpha3: "USA", alpha2: "US", name: "United States", other_name: "United States of America" },
    Country { mrz_code: "UZB", alpha3: "UZB", alpha2: "UZ", name: "Uzbekistan", other_name: "Republic of Uzbekistan" },
    Country { mrz_code: "VAT", alpha3: "VAT", alpha2: "VA", name: "Holy See (Vatican City State)", other_name: "" },
    Country { mrz_code: "VCT", alpha3: "VCT", alpha2: "VC", name: "Saint Vincent and the Grenadines", other_name: "" },
    Country { mrz_code: "VEN", alpha3: "VEN", alpha2: "VE", name: "Venezuela", other_name: "Bolivarian Republic of Venezuela" },
    Country { mrz_code: "VGB", alpha3: "VGB", alpha2: "VG", name: "Virgin Islands, British", other_name: "British Virgin Islands" },
    Country { mrz_code: "VIR", alpha3: "VIR", alpha2: "VI", name: "Virgin Islands, U.S.", other_name: "Virgin Islands of the United States" },
    Country { mrz_code: "VNM", alpha3: "VNM", alpha2: "VN", name: "Vietnam", other_name: "Socialist Republic of Viet Nam" },
    Country { mrz_code: "VUT", alpha3: "VUT", alpha2: "VU", name: "Vanuatu", other_name: "Republic of Vanuatu" },
    Country { mrz_code: "WLF", alpha3: "WLF", alpha2: "WF", name: "Wallis and Futuna", other_name: "" },
    Country { mrz_code: "WSM", alpha3: "WSM", alpha2: "WS", name: "Samoa", other_name: "Independent State of Samoa" },
    Country { mrz_code: "YEM", alpha3: "YEM", alpha2: "YE", name: "Yemen", other_name: "Republic of Yemen" },
    Country { mrz_code: "ZAF", alpha3: "ZAF", alpha2: "ZA", name: "South Africa", other_name: "Republic of South Africa" },
    Country { mrz_code: "ZMB", alpha3: "ZMB", alpha2: "ZM", name: "Zambia", other_name: "Republic of Zambia" },
    Country { mrz_code: "ZWE", alpha3: "ZWE", alpha2: "ZW", name: "Zimbabwe", other_name: "Republic of Zimbabwe" },
    Country { mrz_code: "XXA", alpha3: "XXA", alpha2: "", name: "Stateless person", other_name: "" },
    Country { mrz_code: "XXB", alpha3: "XXB", alpha2: "", name: "Refugee (1951 Convention)", other_name: "" },
    Country { mrz_code: "XXC", alpha3: "XXC", alpha2: "", name: "Refugee (other than 1951 Convention)", other_name: "" },
    Country { mrz_code: "XXX", alpha3: "XXX", alpha2: "", name: "Person of unspecified nationality", other_name: "" },
    Country { mrz_code: "UNO", alpha3: "UNO", alpha2: "", name: "United Nations Organization or one of its officials", other_name: "" },
    Country { mrz_code: "UNA", alpha3: "UNA", alpha2: "", name: "United Nations specialized agency or one of its officials", other_name: "" },
    Country { mrz_code: "UNK", alpha3: "UNK", alpha2: "", name: "Resident of Kosovo (UNMIK)", other_name: "" },
    Country { mrz_code: "EUE", alpha3: "EUE", alpha2: "", name: "European Union", other_name: "" },
    Country { mrz_code: "GBD", alpha3: "GBD", alpha2: "", name: "British Overseas Territories Citizen", other_name: "" },
    Country { mrz_code: "GBN", alpha3: "GBN", alpha2: "", name: "British National (Overseas)", other_name: "" },
    Country { mrz_code: "GBO", alpha3: "GBO", alpha2: "", name: "British Overseas Citizen", other_name: "" },
    Country { mrz_code: "GBP", alpha3: "GBP", alpha2: "", name: "British Protected Person", other_name: "" },
    Country { mrz_code: "GBS", alpha3: "GBS", alpha2: "", name: "British Subject", other_name: "" },
    Country { mrz_code: "RKS", alpha3: "RKS", alpha2: "XK", name: "Kosovo", other_name: "" },
    Country { mrz_code: "XOM", alpha3: "XOM", alpha2: "", name: "Sovereign Military Order of Malta", other_name: "" },
    Country { mrz_code: "XPO", alpha3: "XPO", alpha2: "", name: "Interpol", other_name: "" },
    Country { mrz_code: "XCC", alpha3: "XCC", alpha2: "", name: "Caribbean Community (CARICOM)", other_name: "" },
    Country { mrz_code: "XCE", alpha3: "XCE", alpha2: "", name: "Council of Europe", other_name: "" },
    Country { mrz_code: "XCO", alpha3: "XCO", alpha2: "", name: "Common Market for Eastern and Southern Africa (COMESA)", other_name: "" },
    Country { mrz_code: "XEC", alpha3: "XEC", alpha2: "", name: "Economic Community of West African States (ECOWAS)", other_name: "" },
    Country { mrz_code: "XES", alpha3: "XES", alpha2: "", name: "Organisation of Eastern Caribbean States", other_name: "" },
    Country { mrz_code: "XIM", alpha3: "XIM", alpha2: "", name: "African Export-Import Bank", other_name: "" },
    Country { mrz_code: "XMP", alpha3: "XMP", alpha2: "", name: "International Conference on the Great Lakes Region", other_name: "" },
    Country { mrz_code: "XBA", alpha3: "XBA", alpha2: "", name: "African Development Bank", other_name: "" },
    Country { mrz_code: "XDC", alpha3: "XDC", alpha2: "", name: "Southern African Development Community", other_name: "" },
    Country { mrz_code: "UTO", alpha3: "UTO", alpha2: "", name: "Utopia (specimen)", other_name: "" },
];

/// Looks up a code as written in an MRZ, with its fillers (`D<<`, `UTO`) or without.
///
/// `DEU` is accepted for Germany too, because real documents carry it.
pub fn by_mrz_code(code: &str) -> Option<&'static Country> {
    let code = code.trim_end_matches('<');
    if code.is_empty() {
        return None;
    }
    COUNTRIES
        .iter()
        .find(|c| c.mrz_code == code)
        .or_else(|| COUNTRIES.iter().find(|c| c.alpha3 == code))
}

/// Resolves what a person typed for a country: an MRZ or ISO alpha-3 code, an ISO alpha-2 code, or an
/// English name, in any case and with surrounding spaces (`Germany`, `de`, `DEU`, `D`).
pub fn resolve(typed: &str) -> Option<&'static Country> {
    let t = typed.trim();
    if t.is_empty() {
        return None;
    }
    let upper = t.to_uppercase();
    if let Some(c) = by_mrz_code(&upper) {
        return Some(c);
    }
    if upper.len() == 2 {
        if let Some(c) = COUNTRIES.iter().find(|c| c.alpha2 == upper) {
            return Some(c);
        }
    }
    let key = name_key(t);
    COUNTRIES
        .iter()
        .find(|c| {
            name_key(c.name) == key || (!c.other_name.is_empty() && name_key(c.other_name) == key)
        })
        .or_else(|| {
            ALIASES
                .iter()
                .find(|(alias, _)| name_key(alias) == key)
                .and_then(|(_, code)| by_mrz_code(code))
        })
}

/// Names people commonly type that differ from the table's names.
const ALIASES: &[(&str, &str)] = &[
    ("UK", "GBR"),
    ("Great Britain", "GBR"),
    ("Britain", "GBR"),
    ("England", "GBR"),
    ("US", "USA"),
    ("America", "USA"),
    ("United States of America", "USA"),
    ("Russia", "RUS"),
    ("Korea", "KOR"),
    ("Republic of Korea", "KOR"),
    ("Holland", "NLD"),
    ("The Netherlands", "NLD"),
    ("Czech Republic", "CZE"),
    ("Turkey", "TUR"),
    ("Vietnam", "VNM"),
    ("Iran", "IRN"),
    ("Syria", "SYR"),
    ("Laos", "LAO"),
    ("Moldova", "MDA"),
    ("Bolivia", "BOL"),
    ("Venezuela", "VEN"),
    ("Tanzania", "TZA"),
    ("Ivory Coast", "CIV"),
    ("Cote d'Ivoire", "CIV"),
    ("Macau", "MAC"),
    ("PRC", "CHN"),
    ("Mainland China", "CHN"),
    ("Kosovo", "RKS"),
    ("Stateless", "XXA"),
    // The ICAO specimen state, as the specimens' visual zones name it.
    ("Utopia", "UTO"),
];

/// Case-, accent- and punctuation-insensitive key for comparing English names.
fn name_key(name: &str) -> String {
    name.chars()
        .filter_map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' => Some(c.to_ascii_lowercase()),
            'ô' | 'Ô' => Some('o'),
            'é' | 'É' | 'è' => Some('e'),
            'ç' => Some('c'),
            'å' | 'Å' => Some('a'),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn germany_in_every_spelling() {
        for typed in [
            "Germany",
            "germany ",
            "DE",
            "de",
            "DEU",
            "D",
            "D<<",
            "Federal Republic of Germany",
        ] {
            assert_eq!(resolve(typed).map(|c| c.mrz_code), Some("D"), "{typed}");
        }
    }

    #[test]
    fn icao_only_codes_have_names() {
        for code in [
            "XXA", "XXB", "XXC", "XXX", "UNO", "UNA", "UNK", "EUE", "GBD", "GBN", "GBO", "GBP",
            "GBS", "RKS", "XOM", "XPO", "UTO",
        ] {
            let c = by_mrz_code(code).unwrap_or_else(|| panic!("{code} missing"));
            assert!(!c.name.is_empty());
        }
    }

    #[test]
    fn aliases_and_unknowns() {
        assert_eq!(resolve("UK").map(|c| c.mrz_code), Some("GBR"));
        assert_eq!(resolve("Russia").map(|c| c.mrz_code), Some("RUS"));
        assert_eq!(resolve("china").map(|c| c.mrz_code), Some("CHN"));
        assert_eq!(resolve("Hong Kong").map(|c| c.mrz_code), Some("HKG"));
        assert_eq!(resolve("Atlantis"), None);
        assert_eq!(resolve(""), None);
        assert_eq!(by_mrz_code("<<<"), None);
    }

    #[test]
    fn codes_are_unique() {
        let mut codes: Vec<_> = COUNTRIES.iter().map(|c| c.mrz_code).collect();
        codes.sort_unstable();
        let n = codes.len();
        codes.dedup();
        assert_eq!(codes.len(), n);
    }
}
