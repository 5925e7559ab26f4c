//! Reference data that ships with the service: North Karelia's municipalities, the default call
//! criteria from the paikallis-JANE model, and version 1 of the applicants' privacy notice.

use super::localized::LocalizedText;

/// Statistics Finland's code for the region (maakunta) of North Karelia.
pub const NORTH_KARELIA_REGION: &str = "12";

/// A municipality as shipped: Statistics Finland code and name in Finnish and Swedish.
pub struct Municipality {
    pub code: &'static str,
    pub fi: &'static str,
    pub sv: &'static str,
    pub region_code: &'static str,
}

impl Municipality {
    pub fn name(&self) -> LocalizedText {
        // English uses the Finnish name.
        LocalizedText::new(self.fi, self.sv, self.fi)
    }
}

const fn nk(code: &'static str, fi: &'static str, sv: &'static str) -> Municipality {
    Municipality {
        code,
        fi,
        sv,
        region_code: NORTH_KARELIA_REGION,
    }
}

/// The 13 municipalities of North Karelia (Statistics Finland codes).
pub const NORTH_KARELIA_MUNICIPALITIES: [Municipality; 13] = [
    nk("090", "Heinävesi", "Heinävesi"),
    nk("146", "Ilomantsi", "Ilomants"),
    nk("167", "Joensuu", "Joensuu"),
    nk("176", "Juuka", "Juga"),
    nk("260", "Kitee", "Kides"),
    nk("276", "Kontiolahti", "Kontiolax"),
    nk("309", "Outokumpu", "Outokumpu"),
    nk("422", "Lieksa", "Lieksa"),
    nk("426", "Liperi", "Libelits"),
    nk("541", "Nurmes", "Nurmes"),
    nk("607", "Polvijärvi", "Polvijärvi"),
    nk("707", "Rääkkylä", "Rääkkylä"),
    nk("848", "Tohmajärvi", "Tohmajärvi"),
];

/// A municipality code is three digits; a region code two.
pub fn is_municipality_code(code: &str) -> bool {
    code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit())
}

pub fn is_region_code(code: &str) -> bool {
    code.len() == 2 && code.bytes().all(|b| b.is_ascii_digit())
}

/// The selection criteria suggested by the paikallis-JANE model, used when a call lists none.
/// The fourth is completed with the council's area.
pub fn default_criteria(area_fi: &str, area_sv: &str, area_en: &str) -> Vec<LocalizedText> {
    vec![
        LocalizedText::new(
            "Neuvottelukunnan jäsenet edustavat yhdistyksiä monipuolisesti eri toimialoilta.",
            "Rådets medlemmar representerar föreningar från många olika verksamhetsområden.",
            "The council's members represent associations from many different sectors.",
        ),
        LocalizedText::new(
            "Neuvottelukunnan jäseniksi valitaan henkilöitä, jotka ovat aktiivisia ja joilta löytyy aikaa ja tahtoa rakentaa järjestöyhteistyötä neuvottelukunnan puitteissa.",
            "Till medlemmar väljs personer som är aktiva och har tid och vilja att bygga samarbete mellan organisationerna inom rådet.",
            "Members are people who are active and have the time and will to build cooperation between associations within the council.",
        ),
        LocalizedText::new(
            "Valittu edustaja on halukas toimimaan viestin viejänä neuvottelukunnan ja oman teema-alueensa järjestöjen välillä.",
            "Den valda representanten är villig att föra budskap mellan rådet och organisationerna inom sitt temaområde.",
            "The selected representative is willing to carry messages between the council and the associations of their theme area.",
        ),
        LocalizedText {
            fi: format!(
                "Valittavan henkilön taustayhdistyksen toimialueen on sijaittava alueella: {area_fi}."
            ),
            sv: Some(format!(
                "Den valda personens förening ska verka inom området: {area_sv}."
            )),
            en: Some(format!(
                "The candidate's association must operate in the area: {area_en}."
            )),
        },
    ]
}

pub const PRIVACY_NOTICE_V1_VERSION: &str = "1";

/// Version 1 of the privacy notice applicants accept. An admin publishes later versions.
pub fn privacy_notice_v1() -> LocalizedText {
    LocalizedText::new(
        "Tietosuojaseloste: neuvottelukuntien avoin haku\n\n\
Rekisterinpitäjä: neuvottelukunta, jonka avoimeen hakuun haet (Pohjois-Karjalan järjestöasiain neuvottelukunta JANE tai paikallis-JANE). JANE noudattaa Pohjois-Karjalan maakuntaliiton henkilötietojen käsittelyn periaatteita. Yhteystiedot löytyvät hakutiedotteesta.\n\n\
Käsittelyn tarkoitus: neuvottelukunnan jäsenten ja varajäsenten valinta, valinnasta tiedottaminen, perustamiskokoukseen kutsuminen ja kokoonpanon julkaiseminen.\n\n\
Käsiteltävät tiedot: yhdistyksen nimi, Y-tunnus, rekisterinumero ja kotikunta; ehdokkaan nimi, sähköposti, puhelinnumero, kotikunta, sukupuoli (tasa-arvolain 4 a §:n mukaisen sukupuolijakauman arviointiin), asiointikieli ja perustelut; valintaryhmän arviot ja päätökset.\n\n\
Käsittelyn peruste: hakijan suostumus ja neuvottelukunnan oikeutettu etu jäsenten valinnassa.\n\n\
Säilytys: valittujen tiedot säilytetään toimikauden ajan ja sen jälkeen neuvottelukunnan asiakirjojen säilytystä koskevien periaatteiden mukaisesti; valitsematta jääneiden hakemusten tiedot poistetaan viimeistään 12 kuukauden kuluttua valintapäätöksestä, perutun hakemuksen 12 kuukauden kuluttua perumisesta ja peruutetun haun hakemusten 12 kuukauden kuluttua peruutuksesta. Lähetettyjen viestien tekstit poistetaan 90 päivän kuluttua lähettämisestä. Julkaistava kokoonpano sisältää vain nimen, yhdistyksen, teema-alueen ja roolin.\n\n\
Oikeutesi: voit tarkastaa ja korjata tietosi ja perua hakemuksesi hakuaikana muokkauslinkin kautta, ladata kaikki sinusta tallennetut tiedot ja poistaa tietosi omalta hakemussivultasi (jäsenenä pyydä poistoa sihteeriltä), peruuttaa suostumuksesi ja tehdä valituksen tietosuojavaltuutetulle.",
        "Dataskyddsbeskrivning: rådens öppna ansökan\n\n\
Personuppgiftsansvarig: det råd vars öppna ansökan du söker till (Norra Karelens organisationsdelegation JANE eller ett lokalt JANE). JANE följer Norra Karelens förbunds principer för behandling av personuppgifter. Kontaktuppgifter finns i ansökningsmeddelandet.\n\n\
Ändamål: att välja rådets medlemmar och ersättare, att meddela om valet, att kalla till det konstituerande mötet och att publicera sammansättningen.\n\n\
Uppgifter: föreningens namn, FO-nummer, registernummer och hemkommun; kandidatens namn, e-post, telefon, hemkommun, kön (för bedömning av könsfördelningen enligt 4 a § i jämställdhetslagen), språk och motivering; urvalsgruppens bedömningar och beslut.\n\n\
Grund: sökandens samtycke och rådets berättigade intresse av att välja medlemmar.\n\n\
Lagring: uppgifter om de valda sparas under mandatperioden och därefter enligt rådets principer för arkivering; uppgifterna i ansökningar som inte valts raderas senast 12 månader efter beslutet, i återkallade ansökningar 12 månader efter återkallelsen och i ansökningar till en inställd ansökningsomgång 12 månader efter att den ställdes in. Texten i skickade meddelanden raderas 90 dagar efter att de skickats. Den publicerade sammansättningen innehåller endast namn, förening, temaområde och roll.\n\n\
Dina rättigheter: du kan granska och rätta dina uppgifter och återkalla din ansökan under ansökningstiden via redigeringslänken, ladda ner alla uppgifter om dig och radera dina uppgifter på din ansökningssida (som medlem ber du sekreteraren om radering), återkalla ditt samtycke och klaga hos dataombudsmannen.",
        "Privacy notice: open calls for council seats\n\n\
Controller: the council whose open call you apply to (the North Karelia NGO advisory board JANE or a local paikallis-JANE). JANE follows the Regional Council of North Karelia's principles for processing personal data. Contact details are in the call announcement.\n\n\
Purpose: selecting the council's members and deputies, telling applicants about the decision, inviting the selected to the founding meeting and publishing the composition.\n\n\
Data: the association's name, business ID, register number and municipality; the candidate's name, email, phone, municipality, gender (to assess the gender balance required by section 4 a of the Equality Act), language and motivation; the selection committee's scores and decisions.\n\n\
Legal basis: the applicant's consent and the council's legitimate interest in selecting its members.\n\n\
Retention: data of the selected is kept for the term and afterwards under the council's document-keeping principles; the data of applications not selected is erased at the latest 12 months after the decision, of withdrawn applications 12 months after the withdrawal, and of applications to a cancelled call 12 months after the cancellation. The text of messages sent is erased 90 days after sending. The published composition shows only name, association, theme area and role.\n\n\
Your rights: you can read and correct your data and withdraw your application while the call is open through your edit link, download everything held about you and erase your data from your application's page (a member asks the secretary), withdraw your consent and complain to the Data Protection Ombudsman.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn north_karelia_has_thirteen_distinct_well_formed_codes() {
        let mut codes: Vec<_> = NORTH_KARELIA_MUNICIPALITIES
            .iter()
            .map(|m| m.code)
            .collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), 13);
        assert!(codes.iter().all(|c| is_municipality_code(c)));
        let joensuu = NORTH_KARELIA_MUNICIPALITIES
            .iter()
            .find(|m| m.code == "167")
            .unwrap();
        assert_eq!(joensuu.fi, "Joensuu");
    }

    #[test]
    fn default_criteria_name_the_area() {
        let criteria = default_criteria("Liperi", "Libelits", "Liperi");
        assert_eq!(criteria.len(), 4);
        assert!(criteria[3].fi.contains("Liperi"));
    }
}
