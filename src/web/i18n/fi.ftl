## The service and every page

service-name = Järjestöneuvottelukuntien avoin haku
skip-to-main = Siirry pääsisältöön
language-switch = Kieli
footer-privacy = Tietosuojaseloste
footer-accessibility = Saavutettavuusseloste
footer-about = Palvelun ylläpitää Pohjois-Karjalan järjestöasiain neuvottelukunta JANE.
title-error-prefix = Virhe:
back-to-calls = Kaikki haut
required-hint = Kaikki kentät ovat pakollisia, ellei toisin mainita.
optional = (valinnainen)

## Dates

closes-in = { $days ->
    [0] tänään
    [one] huomenna
   *[other] { $days } päivän päästä
}
opens-in = { $days ->
    [0] tänään
    [one] huomenna
   *[other] { $days } päivän päästä
}
date-range = { $start } – { $end }

## Front page

home-title = Avoimet ja tulevat haut
home-intro = Järjestöt voivat hakea edustajaa neuvottelukuntaan alla olevien hakujen kautta. Avaa haku, lue hakuilmoitus ja täytä hakemus.
home-none = Avoimia tai tulevia hakuja ei tällä hetkellä ole.
home-call-open = Hakuaika päättyy { $closes }
home-call-scheduled = Hakuaika alkaa { $opens }
home-read = Lue hakuilmoitus
home-councils-title = Neuvottelukunnat
home-councils-intro = Katso neuvottelukuntien nykyinen kokoonpano.

## Call status

status-draft = Luonnos
status-scheduled = Tulossa
status-open = Avoinna
status-closed = Hakuaika päättynyt
status-reviewing = Hakemuksia arvioidaan
status-decided = Valinnat tehty
status-cancelled = Peruttu

## The call announcement

call-council = Neuvottelukunta
call-seats-title = Haettavat paikat
call-seats-intro = Haemme edustajia ja varaedustajia seuraaville teema-alueille.
call-theme = Teema-alue
call-representatives = Edustajia
# A soft hyphen lets the column heading break as "Vara-edustajia" on a narrow screen.
call-deputies = Vara{"\u00AD"}edustajia
call-criteria-title = Valintaperusteet
call-schedule-title = Aikataulu
call-opens = Hakuaika alkaa
call-closes = Hakuaika päättyy
call-term = Toimikausi
call-contacts-title = Lisätietoja antaa
call-privacy-title = Henkilötietojen käsittely
call-privacy-text = Hakemuksen tietoja käsitellään tietosuojaselosteen mukaisesti. Valitsematta jääneiden hakemukset poistetaan viimeistään 12 kuukauden kuluttua päätöksestä.
call-privacy-link = Lue tietosuojaseloste
call-apply = Täytä hakemus
call-state-scheduled = Haku ei ole vielä avoinna. Hakuaika alkaa { $opens }.
call-state-open = Haku on avoinna. Hakuaika päättyy { $closes } ({ $remaining }).
call-state-closed = Hakuaika päättyi { $closes }. Valintaryhmä arvioi hakemukset, ja kaikille hakijoille kerrotaan valinnoista sähköpostitse.
call-state-reviewing = Hakuaika on päättynyt. Valintaryhmä arvioi hakemuksia, ja kaikille hakijoille kerrotaan valinnoista sähköpostitse.
call-state-decided = Valinnat on tehty.
call-state-decided-link = Katso neuvottelukunnan kokoonpano
call-decision = Päätös: { $reference }.
call-quota-exception-title = Sukupuolten tasapuolinen edustus
call-quota-exception-intro = Valittu kokoonpano ei täytä tasa-arvolain 4 a §:n vaatimusta, että jäsenistä ja varajäsenistä kumpiakin sukupuolia on vähintään 40 prosenttia. Päätöksessä on kerrottu erityinen syy ja tehdyt toimenpiteet.
call-quota-exception-reason = Erityinen syy
call-quota-exception-measures = Toimenpiteet
call-state-cancelled = Haku on peruttu.
call-cancelled-reason = Perustelu
call-corrected = Hakuilmoitusta on korjattu { $when }.

## The application form

apply-title = Hakemus
apply-intro = Täytä hakemus yhdellä kertaa. Voit muokata sitä hakuajan loppuun asti sähköpostiin lähetettävän linkin kautta.
apply-closed = Hakemuksia ei voi nyt jättää, koska haku ei ole avoinna.
apply-submit = Lähetä hakemus
apply-association-legend = Yhdistys
apply-candidate-legend = Ehdokas
apply-seat-legend = Haettava paikka
apply-motivation-legend = Perustelut
apply-commitments-legend = Sitoumukset
apply-consent-legend = Tietosuoja
field-association-name = Yhdistyksen nimi
field-association-business_id = Y-tunnus
hint-association-business_id = Muoto 1234567-8. Löydät Y-tunnuksen yhdistyksen asiakirjoista tai YTJ:stä.
field-association-register_number = Yhdistysrekisterin numero
hint-association-register_number = Esimerkiksi 123.456.
field-association-municipality_code = Kunta, jossa yhdistys toimii
hint-association-municipality_code = Neuvottelukunnan alueen kunnat.
field-candidate-first_name = Etunimi
field-candidate-last_name = Sukunimi
field-candidate-email = Sähköpostiosoite
hint-candidate-email = Lähetämme tähän osoitteeseen vastaanottokuittauksen ja tiedon valinnasta.
field-candidate-phone = Puhelinnumero
hint-candidate-phone = Tarvitsemme numeron, jotta voimme tavoittaa ehdokkaan valinnan jälkeen. Esimerkiksi 040 123 4567.
field-candidate-municipality_code = Ehdokkaan kotikunta
field-candidate-gender = Sukupuoli
hint-candidate-gender = Tasa-arvolaki edellyttää, että neuvottelukunnassa on vähintään 40 % sekä naisia että miehiä. Tietoa käytetään vain tähän.
gender-woman = Nainen
gender-man = Mies
gender-other = Muu
gender-undisclosed = En halua kertoa
field-candidate-language = Viestien kieli
language-fi = suomi
language-sv = ruotsi
language-en = englanti
field-theme = Teema-alue
hint-theme = Teema-alueet, joille tämä haku etsii edustajia.
field-role_preference = Haettava tehtävä
role-representative = Edustaja
role-deputy = Varaedustaja
role-either = Kumpi tahansa
field-motivation = Miksi ehdokas haluaa neuvottelukuntaan?
hint-motivation = Kerro ehdokkaan toiminnasta ja siitä, miten hän välittää tietoa teema-alueen yhdistysten ja neuvottelukunnan välillä. Enintään 4000 merkkiä.
field-commitments-has_time = Ehdokkaalla on aikaa neuvottelukunnan työhön.
field-commitments-will_liaise = Ehdokas välittää tietoa neuvottelukunnan ja teema-alueen yhdistysten välillä.
field-consent-accepted = Olen lukenut tietosuojaselosteen ja hyväksyn, että hakemuksen tietoja käsitellään siinä kerrotulla tavalla.
consent-notice-link = Tietosuojaseloste (versio { $version })
select-choose = Valitse

## Errors in forms

error-summary-title = Lomakkeessa on virheitä
error-prefix = Virhe:
error-field = Tarkista tämä kenttä.
error-control-character = Poista kentästä näkymättömät ohjausmerkit.
error-association-name = Kirjoita yhdistyksen nimi (enintään 200 merkkiä).
error-association-business_id = Kirjoita Y-tunnus muodossa 1234567-8.
error-association-register_number = Kirjoita rekisterinumero numeroina, esimerkiksi 123.456, tai jätä kenttä tyhjäksi.
error-association-municipality_code = Valitse kunta, jossa yhdistys toimii.
error-association-municipality_code-outside_area = Valitse jokin neuvottelukunnan alueen kunnista.
error-theme = Valitse teema-alue.
error-role_preference = Valitse, haetaanko edustajaksi, varaedustajaksi vai kumpaan tahansa.
error-candidate-first_name = Kirjoita ehdokkaan etunimi (enintään 200 merkkiä).
error-candidate-last_name = Kirjoita ehdokkaan sukunimi (enintään 200 merkkiä).
error-candidate-email = Kirjoita sähköpostiosoite muodossa nimi@esimerkki.fi.
error-candidate-phone = Kirjoita puhelinnumero, esimerkiksi 040 123 4567.
error-candidate-municipality_code = Valitse ehdokkaan kotikunta.
error-candidate-gender = Valitse sukupuoli tai ”En halua kertoa”.
error-candidate-language = Valitse viestien kieli.
error-motivation = Kirjoita perustelut (enintään 4000 merkkiä).
error-commitments-has_time = Vahvista, että ehdokkaalla on aikaa neuvottelukunnan työhön.
error-commitments-will_liaise = Vahvista, että ehdokas välittää tietoa yhdistysten ja neuvottelukunnan välillä.
error-consent-accepted = Hyväksy tietosuojaseloste, jotta voit lähettää hakemuksen.
error-consent-privacy_notice_version = Tietosuojaseloste on muuttunut. Lue uusi seloste ja hyväksy se.
error-already-applied = Tällä sähköpostiosoitteella on jo hakemus tähän hakuun. Voit muokata sitä vastaanottokuittauksen linkistä tai perua sen ja hakea uudelleen.
error-not-open = Hakemusta ei voi lähettää, koska haku ei ole avoinna.
error-changed-meanwhile = Hakemusta on muutettu sillä välin. Tarkista tiedot ja tallenna uudelleen.

## The receipt

receipt-title = Hakemus vastaanotettu
receipt-reference = Hakemuksen tunnus
receipt-email-sent = Lähetimme vahvistuksen osoitteeseen { $email }. Viestissä on linkki, jolla voit katsoa, muokata tai perua hakemuksen.
receipt-next-title = Mitä seuraavaksi tapahtuu
receipt-next-close = Hakuaika päättyy { $closes }. Siihen asti voit muokata hakemusta.
receipt-next-review = Hakuajan jälkeen valintaryhmä arvioi hakemukset valintaperusteiden mukaan.
receipt-next-decision = Neuvottelukunta päättää valinnoista, ja kaikille hakijoille kerrotaan tuloksesta sähköpostitse.
receipt-sent-title = Lähettämäsi tiedot
receipt-second-title = Nimeä toinen ehdokas
receipt-second-text = Tasa-arvovaltuutettu suosittelee, että yhdistys nimeää jokaiseen paikkaan sekä naisen että miehen. Voit täyttää toisen hakemuksen samalle yhdistykselle: yhdistyksen tiedot ovat valmiina.
receipt-second-button = Täytä toinen hakemus
receipt-own-page = Siirry omalle hakemussivullesi

## The applicant's own page

mine-title = Hakemuksesi
mine-status-title = Hakemuksen tila
mine-status-submitted = Vastaanotettu
mine-status-withdrawn = Peruttu
mine-can-change = Voit muokata tai perua hakemuksen hakuajan loppuun asti: { $closes } ({ $remaining }).
mine-closed = Hakuaika on päättynyt, joten hakemusta ei voi enää muokata.
mine-cancelled = Haku on peruttu, joten hakemusta ei käsitellä.
mine-edit = Muokkaa hakemusta
mine-withdraw = Peru hakemus
mine-outcome-representative = Sinut on valittu edustajaksi.
mine-outcome-deputy = Sinut on valittu varaedustajaksi.
mine-outcome-reserve = Olet varalla. Jos valittu luopuu paikastaan, sitä voidaan tarjota sinulle.
mine-outcome-not_selected = Sinua ei valittu tällä kertaa. Kiitos hakemuksestasi!
mine-outcome-declined = Olet kieltäytynyt paikasta.
mine-offer = Vahvista tai peru paikka viimeistään { $respond_by }.
mine-offer-moving-up = Sinulle tarjotaan teema-alueen edustajan paikkaa. Jos kieltäydyt, jatkat varaedustajana.
mine-confirmed = Olet vahvistanut paikan.
mine-confirm = Vahvistan paikan
mine-decline = Kieltäydyn paikasta
mine-sent-title = Lähettämäsi tiedot
mine-withdrawn-at = Hakemus peruttiin { $at }.
mine-saved = Muutokset on tallennettu.
mine-confirmed-now = Kiitos! Paikka on vahvistettu.
mine-declined-now = Olet kieltäytynyt paikasta.
mine-withdrawn-now = Hakemus on peruttu.

## Editing, withdrawing and declining

edit-title = Muokkaa hakemusta
edit-submit = Tallenna muutokset
edit-cancel = Palaa hakemukseen
withdraw-title = Haluatko varmasti perua hakemuksesi?
withdraw-text = Perumista ei voi kumota. Voit kuitenkin hakea uudelleen hakuajan loppuun asti.
withdraw-submit = Peru hakemus
decline-title = Haluatko varmasti kieltäytyä paikasta?
decline-text = Kieltäytymistä ei voi kumota. Paikkaa tarjotaan seuraavalle varalla olevalle.
decline-text-moving-up = Jos kieltäydyt edustajan paikasta, jatkat varaedustajana.
decline-submit = Kieltäydyn paikasta
cancel-link = Palaa hakemukseen

## A session link that no longer works

link-invalid-title = Linkki ei toimi
link-invalid-text = Linkki on vanhentunut tai virheellinen. Avaa hakemus sähköpostissa olevasta linkistä uudelleen.

## The council's composition

council-title = Kokoonpano
council-term = Toimikausi { $start } – { $end }
council-representatives = Edustajat
council-deputies = Varaedustajat
council-caption-representatives = Edustajat teema-alueittain
council-caption-deputies = Varaedustajat teema-alueittain
council-name = Nimi
council-association = Yhdistys
council-vacant = Paikka on avoinna
council-unconfirmed = (ei vielä vahvistettu)
council-no-seats = Neuvottelukunnalle ei ole vielä määritetty paikkoja.
council-local-title = Paikallis-JANEt
council-local-caption = Paikallis-JANEjen täytetyt paikat (täytetty / kaikki)
council-local-name = Neuvottelukunta
council-local-representatives = Edustajat
council-local-deputies = Varaedustajat
council-local-filled = { $filled } / { $total }
council-all-filled = Kaikki edustajapaikat on täytetty tässä neuvottelukunnassa ja sen alaisissa paikallis-JANEissa.
council-gaps = Täyttämättömiä edustajapaikkoja: { $count }.
council-without-local-title = Kunnat, joissa ei ole paikallis-JANEa
council-without-local-none = Jokaisessa alueen kunnassa on paikallis-JANE.

## The privacy notice

privacy-title = Tietosuojaseloste
privacy-version = Versio { $version }, julkaistu { $published }.

## The accessibility statement (Act 306/2019)

a11y-title = Saavutettavuusseloste
a11y-intro = Tämä saavutettavuusseloste koskee järjestöneuvottelukuntien avointa hakua ({ $url }). Palvelusta vastaa Pohjois-Karjalan järjestöasiain neuvottelukunta JANE. Selosteessa kerrotaan, kuinka saavutettava palvelu on ja miten voit antaa palautetta saavutettavuudesta.
a11y-law = Digitaalisten palvelujen tarjoamisesta annetun lain (306/2019) mukaan julkisten verkkopalvelujen on oltava saavutettavia, eli kaikilla tulee olla tasavertaiset mahdollisuudet käyttää niitä.
a11y-status-title = Kuinka saavutettava palvelu on?
a11y-status = Palvelu täyttää suurelta osin lain vaatimat saavutettavuuskriteerit (WCAG 2.1, A- ja AA-taso).
a11y-gaps-title = Sisällöt, jotka eivät ole saavutettavia
a11y-gap-translations = Neuvottelukuntien itse kirjoittamat hakuilmoitukset ja tietosuojaselosteen uudet versiot voivat olla vain suomeksi, jos niitä ei ole käännetty ruotsiksi tai englanniksi. Tällainen teksti on merkitty suomenkieliseksi, jotta ruudunlukija lukee sen oikein. (WCAG 3.1.2 toteutuu, mutta sisältö ei ole kaikilla kielillä.) Pyydä tieto toisella kielellä sihteeriltä.
a11y-gap-docs = Ohjelmointirajapinnan (API) tekninen dokumentaatio osoitteessa /docs/ on englanninkielinen työkalu kehittäjille, eikä sitä ole arvioitu saavutettavuusvaatimuksia vasten.
a11y-gap-manual = Automaattiset tarkistukset eivät näe kaikkea. Tekstien, ohjeiden ja virheilmoitusten ymmärrettävyyttä sekä lukujärjestyksen ja näkyvän kohdistuksen mielekkyyttä ei ole vielä arvioitu yhdessä apuvälineiden käyttäjien kanssa.
a11y-gap-screenreaders = Palvelua ei ole testattu ruudunlukijoilla (esimerkiksi NVDA, JAWS, VoiceOver ja TalkBack), puheohjauksella eikä Windowsin suuren kontrastin tilassa. Emme siis tiedä varmasti, miten esimerkiksi virheyhteenveto ja kenttien virheilmoitukset luetaan ääneen.
a11y-gap-zoom = Pelkän tekstin suurentamista 200 prosenttiin ja tekstin välistyksen muuttamista (WCAG 1.4.4 ja 1.4.12) ei ole testattu. Hyvin kapealla näytöllä pitkät sanat voivat katketa ja taulukot vaatia vierittämistä sivusuunnassa.
a11y-gap-emails = Palvelun lähettämien sähköpostiviestien saavutettavuutta ei ole tarkistettu automaattisesti eikä käsin.
a11y-assessment-title = Saavutettavuuden arviointi
a11y-assessment = Saavutettavuus on arvioitu itse. Jokainen sivu tarkistetaan automaattisesti selaimessa axe-core-työkalulla WCAG 2.1:n A- ja AA-tason sääntöjä vasten suomeksi ja ruotsiksi, myös virheitä näyttävä lomake. Samalla tarkistetaan, ettei yksikään sivu vaadi vierittämistä sivusuunnassa 320 pikselin levyisellä näytöllä (vastaa 400 %:n suurennosta). Selaintesteissä hakemus myös täytetään pelkällä näppäimistöllä, ja hakemus käydään läpi lähettämisestä perumiseen ilman JavaScriptiä puhelimen kokoisella näytöllä.
a11y-feedback-title = Huomasitko puutteita saavutettavuudessa?
a11y-feedback = Kerro meille, niin korjaamme puutteen tai toimitamme tiedon toisessa muodossa. Vastaamme 14 päivän kuluessa.
a11y-feedback-contact = Palaute: { $contact }
a11y-supervision-title = Saavutettavuuden valvonta
a11y-supervision = Jos et ole tyytyväinen saamaasi vastaukseen tai et saa vastausta lainkaan kahden viikon aikana, voit tehdä ilmoituksen valvontaviranomaiselle. Valvontaviranomaisen sivuilla kerrotaan, miten ilmoituksen voi tehdä ja miten asia käsitellään.
a11y-authority-title = Valvontaviranomaisen yhteystiedot
a11y-dates-title = Selosteen tiedot
a11y-dates = Seloste on laadittu { $drawn }. Seloste on päivitetty { $updated }.

## Error pages

notfound-title = Sivua ei löytynyt
notfound-text = Tarkista osoite. Jos tulit linkistä, sivu on ehkä poistettu.
forbidden-title = Lomakkeen lähetys ei onnistunut
forbidden-text = Lomake lähetettiin toiselta sivustolta tai se on vanhentunut. Avaa sivu uudelleen ja yritä uudestaan.
conflict-title = Toimintoa ei voi tehdä nyt
servererror-title = Palvelussa tapahtui virhe
servererror-text = Yritä hetken kuluttua uudelleen. Jos virhe toistuu, ota yhteyttä hakuilmoituksen yhteyshenkilöön.
toomany-title = Liian monta yritystä
toomany-text = Odota hetki ja yritä sitten uudelleen.

mine-data-title = Tietosi
mine-data-text = Voit ladata kaikki sinusta tallennetut tiedot tiedostona tai pyytää ne poistettavaksi. Valitsematta jääneiden hakemusten tiedot poistetaan muutenkin viimeistään 12 kuukauden kuluttua päätöksestä.
mine-data-download = Lataa tietosi (JSON)
mine-data-erase = Poista tietosi
mine-data-seated = Olet neuvottelukunnan jäsen tai sinulle on tarjottu paikkaa. Tietojasi ei voi poistaa täältä, koska paikasta luopuminen on neuvottelukunnan päätös: ota yhteyttä sen sihteeriin.
erase-title = Haluatko varmasti poistaa tietosi?
erase-text = Nimesi, sähköpostiosoitteesi, puhelinnumerosi ja perustelusi poistetaan pysyvästi, samoin sinulle lähetetyt viestit. Jos haku on vielä auki, hakemus myös perutaan. Poistoa ei voi perua.
erase-submit = Poista tietoni
erased-title = Tietosi on poistettu
erased-text = Hakemuksesi henkilötiedot on poistettu. Tämän hakemuksen sivu ei enää avaudu.
