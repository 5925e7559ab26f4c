## The service and every page

service-name = Open calls for the NGO advisory boards
skip-to-main = Skip to main content
language-switch = Language
footer-privacy = Privacy notice
footer-accessibility = Accessibility statement
footer-about = The service is run by JANE, the North Karelia NGO advisory board.
title-error-prefix = Error:
back-to-calls = All calls
required-hint = All fields are required unless marked optional.
optional = (optional)

## Dates

closes-in = { $days ->
    [0] today
    [one] tomorrow
   *[other] in { $days } days
}
opens-in = { $days ->
    [0] today
    [one] tomorrow
   *[other] in { $days } days
}
date-range = { $start } – { $end }

## Front page

home-title = Open and upcoming calls
home-intro = Associations can nominate a representative to an advisory board through the calls below. Open a call, read the announcement and fill in the application.
home-none = There are no open or upcoming calls at the moment.
home-call-open = Applications close { $closes }
home-call-scheduled = Applications open { $opens }
home-read = Read the announcement
home-councils-title = Advisory boards
home-councils-intro = See the current composition of each board.

## Call status

status-draft = Draft
status-scheduled = Upcoming
status-open = Open
status-closed = Closed
status-reviewing = Applications under review
status-decided = Decided
status-cancelled = Cancelled

## The call announcement

call-council = Advisory board
call-seats-title = Seats sought
call-seats-intro = We are looking for representatives and deputies for these theme areas.
call-theme = Theme area
call-representatives = Representatives
call-deputies = Deputies
call-criteria-title = Selection criteria
call-schedule-title = Schedule
call-opens = Applications open
call-closes = Applications close
call-term = Term
call-contacts-title = Further information
call-privacy-title = Personal data
call-privacy-text = The data in applications is processed as the privacy notice says. Applications not selected are deleted at the latest 12 months after the decision.
call-privacy-link = Read the privacy notice
call-apply = Apply
call-state-scheduled = The call is not open yet. Applications open { $opens }.
call-state-open = The call is open. Applications close { $closes } ({ $remaining }).
call-state-closed = Applications closed { $closes }. The selection committee reviews the applications, and every applicant is told of the decision by email.
call-state-reviewing = Applications have closed. The selection committee is reviewing them, and every applicant is told of the decision by email.
call-state-decided = The selection has been made.
call-state-decided-link = See the board's composition
call-decision = Decision: { $reference }.
call-quota-exception-title = Gender balance
call-quota-exception-intro = The selected composition does not meet the requirement of section 4 a of the Equality Act that women and men each make up at least 40 per cent of the members and of the deputies. The decision states the special reason and the measures taken.
call-quota-exception-reason = Special reason
call-quota-exception-measures = Measures taken
call-state-cancelled = The call has been cancelled.
call-cancelled-reason = Reason
call-corrected = This call was corrected on { $when }.

## The application form

apply-title = Application
apply-intro = Fill in the application in one go. You can change it until the call closes through the link we email you.
apply-closed = Applications cannot be made now, because the call is not open.
apply-submit = Send the application
apply-association-legend = Association
apply-candidate-legend = Candidate
apply-seat-legend = Seat sought
apply-motivation-legend = Motivation
apply-commitments-legend = Commitments
apply-consent-legend = Privacy
field-association-name = Name of the association
field-association-business_id = Business ID (Y-tunnus)
hint-association-business_id = In the form 1234567-8. You find it in the association's documents or in the Finnish Business Information System (YTJ).
field-association-register_number = Register number in the Register of Associations
hint-association-register_number = For example 123.456.
field-association-municipality_code = Municipality where the association works
hint-association-municipality_code = The municipalities in the board's area.
field-candidate-first_name = First name
field-candidate-last_name = Last name
field-candidate-email = Email address
hint-candidate-email = We send the receipt and the decision to this address.
field-candidate-phone = Phone number
hint-candidate-phone = We need it to reach the candidate after the selection. For example 040 123 4567.
field-candidate-municipality_code = Candidate's home municipality
field-candidate-gender = Gender
hint-candidate-gender = The Equality Act requires at least 40 % of women and of men on the board. It is used only for this.
gender-woman = Woman
gender-man = Man
gender-other = Other
gender-undisclosed = Prefer not to say
field-candidate-language = Language of messages
language-fi = Finnish
language-sv = Swedish
language-en = English
field-theme = Theme area
hint-theme = The theme areas this call seeks representatives for.
field-role_preference = Role sought
role-representative = Representative
role-deputy = Deputy
role-either = Either
field-motivation = Why does the candidate want to join the board?
hint-motivation = Tell us about the candidate's work and how they will carry news between the theme's associations and the board. At most 4000 characters.
field-commitments-has_time = The candidate has time for the board's work.
field-commitments-will_liaise = The candidate will carry news between the board and the theme's associations.
field-consent-accepted = I have read the privacy notice and accept that the application's data is processed as it describes.
consent-notice-link = Privacy notice (version { $version })
select-choose = Choose

## Errors in forms

error-summary-title = There is a problem
error-prefix = Error:
error-field = Check this field.
error-control-character = Remove the invisible control characters from this field.
error-association-name = Enter the name of the association (at most 200 characters).
error-association-business_id = Enter the business ID in the form 1234567-8.
error-association-register_number = Enter the register number in digits, for example 123.456, or leave it empty.
error-association-municipality_code = Choose the municipality where the association works.
error-association-municipality_code-outside_area = Choose one of the municipalities in the board's area.
error-theme = Choose a theme area.
error-role_preference = Choose whether the candidate applies as representative, deputy or either.
error-candidate-first_name = Enter the candidate's first name (at most 200 characters).
error-candidate-last_name = Enter the candidate's last name (at most 200 characters).
error-candidate-email = Enter an email address like name@example.fi.
error-candidate-phone = Enter a phone number, for example 040 123 4567.
error-candidate-municipality_code = Choose the candidate's home municipality.
error-candidate-gender = Choose a gender or "Prefer not to say".
error-candidate-language = Choose the language of messages.
error-motivation = Enter the motivation (at most 4000 characters).
error-commitments-has_time = Confirm that the candidate has time for the board's work.
error-commitments-will_liaise = Confirm that the candidate will carry news between the associations and the board.
error-consent-accepted = Accept the privacy notice to send the application.
error-consent-privacy_notice_version = The privacy notice has changed. Read the new notice and accept it.
error-already-applied = There is already an application with this email address in this call. You can change it through the link in its receipt, or withdraw it and apply again.
error-not-open = The application cannot be sent, because the call is not open.
error-changed-meanwhile = The application was changed meanwhile. Check the details and save again.

## The receipt

receipt-title = Application received
receipt-reference = Application reference
receipt-email-sent = We sent a confirmation to { $email }. It has a link to view, change or withdraw the application.
receipt-next-title = What happens next
receipt-next-close = Applications close { $closes }. Until then you can change the application.
receipt-next-review = After the call closes, the selection committee reviews the applications against the selection criteria.
receipt-next-decision = The board decides on the selection, and every applicant is told the result by email.
receipt-sent-title = What you sent
receipt-second-title = Nominate a second candidate
receipt-second-text = The Equality Ombudsman recommends that associations nominate both a woman and a man for each seat. You can fill in a second application for the same association: its details are filled in for you.
receipt-second-button = Fill in a second application
receipt-own-page = Go to your application page

## The applicant's own page

mine-title = Your application
mine-status-title = Status
mine-status-submitted = Received
mine-status-withdrawn = Withdrawn
mine-can-change = You can change or withdraw the application until the call closes: { $closes } ({ $remaining }).
mine-closed = The call has closed, so the application can no longer be changed.
mine-cancelled = The call has been cancelled, so the application will not be considered.
mine-edit = Change the application
mine-withdraw = Withdraw the application
mine-outcome-representative = You have been selected as a representative.
mine-outcome-deputy = You have been selected as a deputy.
mine-outcome-reserve = You are on the reserve list. If a selected member gives up their seat, it may be offered to you.
mine-outcome-not_selected = You were not selected this time. Thank you for applying!
mine-outcome-declined = You have declined the seat.
mine-offer = Confirm or decline the seat by { $respond_by }.
mine-offer-moving-up = You are offered the theme's representative seat. If you decline, you stay on as deputy.
mine-confirmed = You have confirmed the seat.
mine-confirm = I confirm the seat
mine-decline = I decline the seat
mine-sent-title = What you sent
mine-withdrawn-at = The application was withdrawn { $at }.
mine-saved = Your changes have been saved.
mine-confirmed-now = Thank you! The seat is confirmed.
mine-declined-now = You have declined the seat.
mine-withdrawn-now = The application has been withdrawn.

## Editing, withdrawing and declining

edit-title = Change the application
edit-submit = Save the changes
edit-cancel = Back to the application
withdraw-title = Do you really want to withdraw your application?
withdraw-text = This cannot be undone. You can still apply again until the call closes.
withdraw-submit = Withdraw the application
decline-title = Do you really want to decline the seat?
decline-text = This cannot be undone. The seat is offered to the next person on the reserve list.
decline-text-moving-up = If you decline the representative seat, you stay on as deputy.
decline-submit = I decline the seat
cancel-link = Back to the application

## A session link that no longer works

link-invalid-title = The link does not work
link-invalid-text = The link has expired or is not valid. Open the application again with the link in the email.

## The council's composition

council-title = Composition
council-term = Term { $start } – { $end }
council-representatives = Representatives
council-deputies = Deputies
council-caption-representatives = Representatives by theme area
council-caption-deputies = Deputies by theme area
council-name = Name
council-association = Association
council-vacant = The seat is vacant
council-unconfirmed = (not yet confirmed)
council-no-seats = The board has no seats yet.
council-local-title = Local boards (paikallis-JANE)
council-local-caption = Seats filled in the local boards (filled / all)
council-local-name = Board
council-local-representatives = Representatives
council-local-deputies = Deputies
council-local-filled = { $filled } / { $total }
council-all-filled = Every representative seat is filled in this board and in the local boards under it.
council-gaps = Representative seats not filled: { $count }.
council-without-local-title = Municipalities without a local board
council-without-local-none = Every municipality in the area has a local board.

## The privacy notice

privacy-title = Privacy notice
privacy-version = Version { $version }, published { $published }.

## The accessibility statement (Act 306/2019)

a11y-title = Accessibility statement
a11y-intro = This accessibility statement applies to the open calls for the NGO advisory boards ({ $url }). JANE, the North Karelia NGO advisory board, is responsible for the service. The statement explains how accessible the service is and how you can give us feedback on accessibility.
a11y-law = According to the Act on the Provision of Digital Services (306/2019), public online services must be accessible, so that everyone has equal access to them.
a11y-status-title = How accessible is this service?
a11y-status = This service partially meets the accessibility criteria required by law (WCAG 2.1, levels A and AA).
a11y-gaps-title = Non-accessible content
a11y-gap-translations = Call announcements written by the boards themselves and new versions of the privacy notice may be in Finnish only, if they have not been translated into Swedish or English. Such text is marked as Finnish so that screen readers read it correctly. (WCAG 3.1.2 is met, but the content is not in every language.) Ask the secretary for the information in another language.
a11y-gap-docs = The technical documentation of the programming interface (API) at /docs/ is an English tool for developers and has not been assessed against the accessibility requirements.
a11y-gap-manual = Automated checks do not see everything. How understandable the texts, instructions and error messages are, and whether the reading order and the visible focus make sense, have not yet been assessed together with people who use assistive technology.
a11y-gap-screenreaders = The service has not been tested with screen readers (such as NVDA, JAWS, VoiceOver and TalkBack), with speech recognition or in Windows high contrast mode, so we do not know for certain how, for example, the error summary and the messages beside the fields are read aloud.
a11y-gap-zoom = Enlarging only the text to 200 % and changed text spacing (WCAG 1.4.4 and 1.4.12) have not been tested. On a very narrow screen, long words may break and tables may need scrolling sideways.
a11y-gap-emails = The accessibility of the emails the service sends has not been checked, automatically or by hand.
a11y-assessment-title = Accessibility assessment
a11y-assessment = Accessibility has been assessed by ourselves. Every page is checked automatically in a browser with axe-core against the WCAG 2.1 A and AA rules in Finnish and Swedish, including the form showing errors, and no page may need sideways scrolling on a 320 pixel wide screen (equivalent to 400 % zoom). The browser tests also complete the form with the keyboard only, and take an application from sending to withdrawing without JavaScript on a phone-sized screen.
a11y-feedback-title = Did you notice shortcomings in accessibility?
a11y-feedback = Tell us, and we will fix the shortcoming or give you the information in another form. We reply within 14 days.
a11y-feedback-contact = Feedback: { $contact }
a11y-supervision-title = Accessibility monitoring
a11y-supervision = If you are not satisfied with the reply, or you receive no reply within two weeks, you can notify the supervisory authority. Its website explains how to make a notification and how the matter is handled.
a11y-authority-title = Contact details of the supervisory authority
a11y-dates-title = About this statement
a11y-dates = This statement was prepared on { $drawn }. It was last updated on { $updated }.

## Error pages

notfound-title = Page not found
notfound-text = Check the address. If you followed a link, the page may have been removed.
forbidden-title = The form could not be sent
forbidden-text = The form was sent from another site or has expired. Open the page again and try again.
conflict-title = This cannot be done now
servererror-title = Something went wrong
servererror-text = Try again in a moment. If it happens again, contact the person named in the call announcement.
toomany-title = Too many attempts
toomany-text = Wait a moment and then try again.

mine-data-title = Your data
mine-data-text = You can download everything stored about you as a file, or ask for it to be erased. The data of applications that are not selected is erased anyway at the latest 12 months after the decision.
mine-data-download = Download your data (JSON)
mine-data-erase = Erase your data
mine-data-seated = You are a member of the council or have been offered a seat. Your data cannot be erased here, because leaving the seat is a decision of the council: contact its secretary.
erase-title = Do you really want your data erased?
erase-text = Your name, email address, phone number and motivation are erased for good, and so are the messages sent to you. If the call is still open, the application is also withdrawn. The erasure cannot be undone.
erase-submit = Erase my data
erased-title = Your data has been erased
erased-text = The personal data of your application has been erased. The page of this application no longer opens.
