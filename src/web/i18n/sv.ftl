## The service and every page

service-name = Organisationsdelegationernas öppna ansökan
skip-to-main = Hoppa till huvudinnehållet
language-switch = Språk
footer-privacy = Dataskyddsbeskrivning
footer-accessibility = Tillgänglighetsutlåtande
footer-about = Tjänsten upprätthålls av Norra Karelens organisationsdelegation JANE.
title-error-prefix = Fel:
back-to-calls = Alla ansökningsomgångar
required-hint = Alla fält är obligatoriska om inte annat anges.
optional = (frivilligt)

## Dates

closes-in = { $days ->
    [0] i dag
    [one] i morgon
   *[other] om { $days } dagar
}
opens-in = { $days ->
    [0] i dag
    [one] i morgon
   *[other] om { $days } dagar
}
date-range = { $start } – { $end }

## Front page

home-title = Öppna och kommande ansökningsomgångar
home-intro = Föreningar kan söka en representant till en delegation genom ansökningsomgångarna nedan. Öppna en ansökningsomgång, läs meddelandet och fyll i ansökan.
home-none = Det finns inga öppna eller kommande ansökningsomgångar just nu.
home-call-open = Ansökningstiden går ut { $closes }
home-call-scheduled = Ansökningstiden börjar { $opens }
home-read = Läs ansökningsmeddelandet
home-councils-title = Delegationer
home-councils-intro = Se delegationernas nuvarande sammansättning.

## Call status

status-draft = Utkast
status-scheduled = Kommande
status-open = Öppen
status-closed = Ansökningstiden har gått ut
status-reviewing = Ansökningarna bedöms
status-decided = Valet har gjorts
status-cancelled = Inställd

## The call announcement

call-council = Delegation
call-seats-title = Platser som söks
call-seats-intro = Vi söker representanter och suppleanter för följande temaområden.
call-theme = Temaområde
call-representatives = Representanter
call-deputies = Suppleanter
call-criteria-title = Urvalskriterier
call-schedule-title = Tidtabell
call-opens = Ansökningstiden börjar
call-closes = Ansökningstiden går ut
call-term = Mandatperiod
call-contacts-title = Mer information ger
call-privacy-title = Behandling av personuppgifter
call-privacy-text = Uppgifterna i ansökan behandlas enligt dataskyddsbeskrivningen. Ansökningar som inte valts raderas senast 12 månader efter beslutet.
call-privacy-link = Läs dataskyddsbeskrivningen
call-apply = Fyll i ansökan
call-state-scheduled = Ansökningsomgången är inte öppen ännu. Ansökningstiden börjar { $opens }.
call-state-open = Ansökningsomgången är öppen. Ansökningstiden går ut { $closes } ({ $remaining }).
call-state-closed = Ansökningstiden gick ut { $closes }. Urvalsgruppen bedömer ansökningarna och alla sökande får besked om valet per e-post.
call-state-reviewing = Ansökningstiden har gått ut. Urvalsgruppen bedömer ansökningarna och alla sökande får besked om valet per e-post.
call-state-decided = Valet har gjorts.
call-state-decided-link = Se delegationens sammansättning
call-decision = Beslut: { $reference }.
call-quota-exception-title = Jämn könsfördelning
call-quota-exception-intro = Den valda sammansättningen uppfyller inte kravet i 4 a § i jämställdhetslagen att både kvinnor och män ska utgöra minst 40 procent av medlemmarna och av ersättarna. I beslutet anges det särskilda skälet och de åtgärder som vidtagits.
call-quota-exception-reason = Särskilt skäl
call-quota-exception-measures = Åtgärder
call-state-cancelled = Ansökningsomgången har ställts in.
call-cancelled-reason = Motivering
call-corrected = Utlysningen har korrigerats { $when }.

## The application form

apply-title = Ansökan
apply-intro = Fyll i ansökan på en gång. Du kan ändra den till slutet av ansökningstiden via länken som skickas per e-post.
apply-closed = Det går inte att lämna in ansökningar nu, eftersom ansökningsomgången inte är öppen.
apply-submit = Skicka ansökan
apply-association-legend = Förening
apply-candidate-legend = Kandidat
apply-seat-legend = Plats som söks
apply-motivation-legend = Motivering
apply-commitments-legend = Förbindelser
apply-consent-legend = Dataskydd
field-association-name = Föreningens namn
field-association-business_id = FO-nummer (Y-tunnus)
hint-association-business_id = Formen 1234567-8. Du hittar FO-numret i föreningens handlingar eller i FODS.
field-association-register_number = Registernummer i föreningsregistret
hint-association-register_number = Till exempel 123.456.
field-association-municipality_code = Kommun där föreningen verkar
hint-association-municipality_code = Kommunerna inom delegationens område.
field-candidate-first_name = Förnamn
field-candidate-last_name = Efternamn
field-candidate-email = E-postadress
hint-candidate-email = Vi skickar en mottagningsbekräftelse och besked om valet till den här adressen.
field-candidate-phone = Telefonnummer
hint-candidate-phone = Vi behöver numret för att nå kandidaten efter valet. Till exempel 040 123 4567.
field-candidate-municipality_code = Kandidatens hemkommun
field-candidate-gender = Kön
hint-candidate-gender = Jämställdhetslagen kräver att det finns minst 40 % kvinnor och minst 40 % män i delegationen. Uppgiften används bara för detta.
gender-woman = Kvinna
gender-man = Man
gender-other = Annat
gender-undisclosed = Vill inte uppge
field-candidate-language = Språk för meddelanden
language-fi = finska
language-sv = svenska
language-en = engelska
field-theme = Temaområde
hint-theme = Temaområdena som den här ansökningsomgången söker representanter för.
field-role_preference = Uppdrag som söks
role-representative = Representant
role-deputy = Suppleant
role-either = Vilket som helst
field-motivation = Varför vill kandidaten bli medlem i delegationen?
hint-motivation = Berätta om kandidatens verksamhet och hur hen förmedlar information mellan temaområdets föreningar och delegationen. Högst 4000 tecken.
field-commitments-has_time = Kandidaten har tid för delegationens arbete.
field-commitments-will_liaise = Kandidaten förmedlar information mellan delegationen och temaområdets föreningar.
field-consent-accepted = Jag har läst dataskyddsbeskrivningen och godkänner att uppgifterna i ansökan behandlas på det sätt som beskrivs där.
consent-notice-link = Dataskyddsbeskrivning (version { $version })
select-choose = Välj

## Errors in forms

error-summary-title = Det finns fel i formuläret
error-prefix = Fel:
error-field = Kontrollera det här fältet.
error-control-character = Ta bort osynliga styrtecken från fältet.
error-association-name = Skriv föreningens namn (högst 200 tecken).
error-association-business_id = Skriv FO-numret i formen 1234567-8.
error-association-register_number = Skriv registernumret med siffror, till exempel 123.456, eller lämna fältet tomt.
error-association-municipality_code = Välj kommunen där föreningen verkar.
error-association-municipality_code-outside_area = Välj en av kommunerna inom delegationens område.
error-theme = Välj ett temaområde.
error-role_preference = Välj om du söker som representant, suppleant eller vilket som helst.
error-candidate-first_name = Skriv kandidatens förnamn (högst 200 tecken).
error-candidate-last_name = Skriv kandidatens efternamn (högst 200 tecken).
error-candidate-email = Skriv e-postadressen i formen namn@exempel.fi.
error-candidate-phone = Skriv telefonnumret, till exempel 040 123 4567.
error-candidate-municipality_code = Välj kandidatens hemkommun.
error-candidate-gender = Välj kön eller ”Vill inte uppge”.
error-candidate-language = Välj språk för meddelanden.
error-motivation = Skriv en motivering (högst 4000 tecken).
error-commitments-has_time = Bekräfta att kandidaten har tid för delegationens arbete.
error-commitments-will_liaise = Bekräfta att kandidaten förmedlar information mellan föreningarna och delegationen.
error-consent-accepted = Godkänn dataskyddsbeskrivningen för att kunna skicka ansökan.
error-consent-privacy_notice_version = Dataskyddsbeskrivningen har ändrats. Läs den nya beskrivningen och godkänn den.
error-already-applied = Det finns redan en ansökan med den här e-postadressen i ansökningsomgången. Du kan ändra den via länken i mottagningsbekräftelsen eller återkalla den och söka på nytt.
error-not-open = Ansökan kan inte skickas, eftersom ansökningsomgången inte är öppen.
error-changed-meanwhile = Ansökan har ändrats under tiden. Kontrollera uppgifterna och spara på nytt.

## The receipt

receipt-title = Ansökan har tagits emot
receipt-reference = Ansökans kod
receipt-email-sent = Vi skickade en bekräftelse till { $email }. I meddelandet finns en länk där du kan se, ändra eller återkalla ansökan.
receipt-next-title = Vad händer härnäst
receipt-next-close = Ansökningstiden går ut { $closes }. Fram till dess kan du ändra ansökan.
receipt-next-review = Efter ansökningstiden bedömer urvalsgruppen ansökningarna enligt urvalskriterierna.
receipt-next-decision = Delegationen beslutar om valet och alla sökande får besked per e-post.
receipt-sent-title = Uppgifter du skickade
receipt-second-title = Föreslå en andra kandidat
receipt-second-text = Jämställdhetsombudsmannen rekommenderar att föreningen föreslår både en kvinna och en man till varje plats. Du kan fylla i en andra ansökan för samma förening: föreningens uppgifter är redan ifyllda.
receipt-second-button = Fyll i en andra ansökan
receipt-own-page = Gå till din ansökningssida

## The applicant's own page

mine-title = Din ansökan
mine-status-title = Ansökans status
mine-status-submitted = Mottagen
mine-status-withdrawn = Återkallad
mine-can-change = Du kan ändra eller återkalla ansökan till slutet av ansökningstiden: { $closes } ({ $remaining }).
mine-closed = Ansökningstiden har gått ut, så ansökan kan inte längre ändras.
mine-cancelled = Ansökningsomgången har ställts in, så ansökan behandlas inte.
mine-edit = Ändra ansökan
mine-withdraw = Återkalla ansökan
mine-outcome-representative = Du har valts till representant.
mine-outcome-deputy = Du har valts till suppleant.
mine-outcome-reserve = Du är reserv. Om någon av de valda avstår från sin plats kan den erbjudas dig.
mine-outcome-not_selected = Du blev inte vald den här gången. Tack för din ansökan!
mine-outcome-declined = Du har tackat nej till platsen.
mine-offer = Bekräfta eller tacka nej till platsen senast { $respond_by }.
mine-offer-moving-up = Du erbjuds platsen som temaområdets representant. Om du tackar nej fortsätter du som suppleant.
mine-confirmed = Du har bekräftat platsen.
mine-confirm = Jag bekräftar platsen
mine-decline = Jag tackar nej till platsen
mine-sent-title = Uppgifter du skickade
mine-withdrawn-at = Ansökan återkallades { $at }.
mine-saved = Ändringarna har sparats.
mine-confirmed-now = Tack! Platsen har bekräftats.
mine-declined-now = Du har tackat nej till platsen.
mine-withdrawn-now = Ansökan har återkallats.

## Editing, withdrawing and declining

edit-title = Ändra ansökan
edit-submit = Spara ändringarna
edit-cancel = Tillbaka till ansökan
withdraw-title = Vill du verkligen återkalla din ansökan?
withdraw-text = Återkallandet kan inte ångras. Du kan ändå söka på nytt till slutet av ansökningstiden.
withdraw-submit = Återkalla ansökan
decline-title = Vill du verkligen tacka nej till platsen?
decline-text = Beslutet kan inte ångras. Platsen erbjuds nästa reserv.
decline-text-moving-up = Om du tackar nej till platsen som representant fortsätter du som suppleant.
decline-submit = Jag tackar nej till platsen
cancel-link = Tillbaka till ansökan

## A session link that no longer works

link-invalid-title = Länken fungerar inte
link-invalid-text = Länken har gått ut eller är felaktig. Öppna ansökan på nytt via länken i e-postmeddelandet.

## The council's composition

council-title = Sammansättning
council-term = Mandatperiod { $start } – { $end }
council-representatives = Representanter
council-deputies = Suppleanter
council-caption-representatives = Representanter per temaområde
council-caption-deputies = Suppleanter per temaområde
council-name = Namn
council-association = Förening
council-vacant = Platsen är ledig
council-unconfirmed = (ännu inte bekräftad)
council-no-seats = Delegationen har ännu inga platser.
council-local-title = Lokala JANE-delegationer
council-local-caption = Tillsatta platser i de lokala JANE-delegationerna (tillsatta / alla)
council-local-name = Delegation
council-local-representatives = Representanter
council-local-deputies = Suppleanter
council-local-filled = { $filled } / { $total }
council-all-filled = Alla representantplatser är tillsatta i delegationen och i de lokala delegationerna under den.
council-gaps = Otillsatta representantplatser: { $count }.
council-without-local-title = Kommuner utan lokal JANE-delegation
council-without-local-none = Varje kommun i området har en lokal JANE-delegation.

## The privacy notice

privacy-title = Dataskyddsbeskrivning
privacy-version = Version { $version }, publicerad { $published }.

## The accessibility statement (Act 306/2019)

a11y-title = Tillgänglighetsutlåtande
a11y-intro = Detta tillgänglighetsutlåtande gäller organisationsdelegationernas öppna ansökan ({ $url }). Norra Karelens organisationsdelegation JANE ansvarar för tjänsten. Utlåtandet beskriver hur tillgänglig tjänsten är och hur du kan ge respons om tillgängligheten.
a11y-law = Enligt lagen om tillhandahållande av digitala tjänster (306/2019) ska offentliga webbtjänster vara tillgängliga, vilket betyder att alla ska ha lika möjligheter att använda dem.
a11y-status-title = Hur tillgänglig är tjänsten?
a11y-status = Tjänsten uppfyller till största delen de tillgänglighetskriterier som lagen förutsätter (WCAG 2.1, nivå A och AA).
a11y-gaps-title = Innehåll som inte är tillgängligt
a11y-gap-translations = Ansökningsmeddelanden som delegationerna själva skrivit och nya versioner av dataskyddsbeskrivningen kan finnas endast på finska, om de inte har översatts till svenska eller engelska. Sådan text är märkt som finskspråkig så att skärmläsare läser den rätt. (WCAG 3.1.2 uppfylls, men innehållet finns inte på alla språk.) Be sekreteraren om uppgifterna på ett annat språk.
a11y-gap-docs = Den tekniska dokumentationen av programmeringsgränssnittet (API) på /docs/ är ett engelskspråkigt verktyg för utvecklare och har inte bedömts mot tillgänglighetskraven.
a11y-gap-manual = Automatiska kontroller ser inte allt. Hur begripliga texterna, anvisningarna och felmeddelandena är och om läsordningen och det synliga fokuset är logiska har ännu inte bedömts tillsammans med personer som använder hjälpmedel.
a11y-gap-screenreaders = Tjänsten har inte testats med skärmläsare (till exempel NVDA, JAWS, VoiceOver och TalkBack), med röststyrning eller i Windows läge för hög kontrast. Vi vet alltså inte säkert hur till exempel felsammanfattningen och fältens felmeddelanden läses upp.
a11y-gap-zoom = Förstoring av enbart texten till 200 procent och ändrat textavstånd (WCAG 1.4.4 och 1.4.12) har inte testats. På en mycket smal skärm kan långa ord brytas och tabeller kräva rullning i sidled.
a11y-gap-emails = Tillgängligheten i de e-postmeddelanden som tjänsten skickar har inte kontrollerats, varken automatiskt eller manuellt.
a11y-assessment-title = Utvärdering av tillgängligheten
a11y-assessment = Tillgängligheten har utvärderats av oss själva. Varje sida kontrolleras automatiskt i en webbläsare med verktyget axe-core mot reglerna i WCAG 2.1 nivå A och AA på finska och svenska, även formuläret som visar fel. Samtidigt kontrolleras att ingen sida kräver rullning i sidled på en 320 pixlar bred skärm (motsvarar förstoring till 400 %). I webbläsartesterna fylls ansökan också i med enbart tangentbord, och en ansökan gås igenom från inlämning till återkallelse utan JavaScript på en skärm i telefonstorlek.
a11y-feedback-title = Har du upptäckt brister i tillgängligheten?
a11y-feedback = Berätta för oss, så rättar vi bristen eller ger dig uppgiften i en annan form. Vi svarar inom 14 dagar.
a11y-feedback-contact = Respons: { $contact }
a11y-supervision-title = Tillgänglighetstillsyn
a11y-supervision = Om du är missnöjd med svaret eller inte får något svar inom två veckor kan du göra en anmälan till tillsynsmyndigheten. På myndighetens webbplats står hur du gör en anmälan och hur ärendet behandlas.
a11y-authority-title = Tillsynsmyndighetens kontaktuppgifter
a11y-dates-title = Uppgifter om utlåtandet
a11y-dates = Utlåtandet har upprättats { $drawn }. Utlåtandet har uppdaterats { $updated }.

## Error pages

notfound-title = Sidan hittades inte
notfound-text = Kontrollera adressen. Om du kom via en länk kan sidan ha tagits bort.
forbidden-title = Formuläret kunde inte skickas
forbidden-text = Formuläret skickades från en annan webbplats eller har gått ut. Öppna sidan på nytt och försök igen.
conflict-title = Åtgärden kan inte göras nu
servererror-title = Ett fel uppstod i tjänsten
servererror-text = Försök igen om en stund. Om felet upprepas, kontakta kontaktpersonen i ansökningsmeddelandet.
toomany-title = För många försök
toomany-text = Vänta en stund och försök sedan igen.

mine-data-title = Dina uppgifter
mine-data-text = Du kan ladda ner alla uppgifter som sparats om dig som en fil eller begära att de raderas. Uppgifterna i ansökningar som inte valts raderas i alla fall senast 12 månader efter beslutet.
mine-data-download = Ladda ner dina uppgifter (JSON)
mine-data-erase = Radera dina uppgifter
mine-data-seated = Du är medlem i rådet eller har erbjudits en plats. Dina uppgifter kan inte raderas här, eftersom det är rådets beslut att lämna platsen: kontakta dess sekreterare.
erase-title = Vill du verkligen radera dina uppgifter?
erase-text = Ditt namn, din e-postadress, ditt telefonnummer och din motivering raderas permanent, liksom meddelandena som skickats till dig. Om ansökningsomgången ännu pågår återkallas också ansökan. Raderingen kan inte ångras.
erase-submit = Radera mina uppgifter
erased-title = Dina uppgifter har raderats
erased-text = Personuppgifterna i din ansökan har raderats. Sidan för den här ansökan öppnas inte längre.
