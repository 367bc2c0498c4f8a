"""Text templates per ticket category; {slot} names refer to seed_vocab.SLOTS.

Each issue is "title | alternative title | ..." paired with the core sentence it belongs to.
"""

from __future__ import annotations

Issue = tuple[str, str]

ISSUES: dict[str, tuple[Issue, ...]] = {
    "billing": (
        (
            "Charged twice this month | Double charge for the {plan} plan | Two identical payments taken",
            "We were charged {money} twice {when} for the same subscription.",
        ),
        (
            "Invoice {invoice} shows the wrong number of seats | Seat count on invoice is wrong",
            "Invoice {invoice} lists {n} seats but we only have {count} active users.",
        ),
        (
            "Need a refund for an accidental upgrade | Upgraded to {plan} by mistake",
            "I upgraded to {plan} by mistake and would like the difference refunded.",
        ),
        (
            "Card keeps getting declined at renewal | Renewal payment failed again",
            "The renewal payment failed again with our {card}, although the card is valid and has funds.",
        ),
        (
            "VAT number missing from our invoices | Please add our VAT ID to invoices",
            "Our VAT ID is missing from the invoices, so finance cannot book them.",
        ),
        (
            "Why did my monthly charge go up? | Price increase without notice?",
            "The monthly amount went up to {money} without any announcement that we saw.",
        ),
        (
            "Request for a copy of invoice {invoice} | Can't find the {month} invoice",
            "Could you send me a PDF copy of invoice {invoice}? I can't find it in my emails.",
        ),
        (
            "Switching from monthly to annual payment | Annual plan discount",
            "We would like to move to annual payment and get the discount mentioned on your pricing page.",
        ),
        (
            "Downgraded but still charged full price | Still paying for {plan} after downgrade",
            "After downgrading to the {plan} plan last month we were still charged the old price.",
        ),
        (
            "Unexpected charge of {money} on our card | Unknown charge on our statement",
            "There is a charge of {money} on our {card} statement that nobody here recognises.",
        ),
        (
            "Purchase order number on invoices | PO number required on every invoice",
            "Our accounting team needs every invoice to show our purchase order number.",
        ),
        (
            "Can we pay by bank transfer instead of card? | Paying by wire transfer in {currency}",
            "Is it possible to pay by wire transfer in {currency} instead of by card?",
        ),
        (
            "Trial ended and we were charged without notice | Charged right after the trial",
            "The trial ended {when} and the card was charged although we had not decided yet.",
        ),
        (
            "Seats charged for users we removed | Removed users still on the invoice",
            "We removed {n} users in {month} but the next invoice still counts them.",
        ),
        (
            "Refund still not received | Where is our refund?",
            "The refund you promised has not arrived on our {card} after {duration}.",
        ),
        (
            "Discount code not applied | Coupon ignored at renewal",
            "The coupon code from your newsletter was not applied to our renewal.",
        ),
        (
            "Invoices should go to our {team} team | Change the invoice recipient",
            "Please send invoices to our {team} department instead of to me from now on.",
        ),
        (
            "Wrong currency on the {month} invoice | Invoices issued in the wrong currency",
            "Invoices are issued in {currency} but our contract says they should be in another currency.",
        ),
        (
            "Proration on mid-cycle upgrade looks off | Prorated amount seems too high",
            "The prorated amount for adding {n} seats mid-cycle seems far too high.",
        ),
        (
            "Tax exemption certificate | Sales tax added although we are exempt",
            "Our organisation is tax exempt; where can I upload the certificate "
            "so you stop adding sales tax?",
        ),
        (
            "Renewed after we cancelled | Charged {money} after cancelling",
            "The subscription renewed at {money} even though we cancelled before the renewal date.",
        ),
        (
            "Receipt needed for expense report | Receipt for last payment",
            "I need a receipt for the last payment so I can file it with my expense report.",
        ),
    ),
    "bug": (
        (
            "{product} crashes when I try to {action} | Crash on {action}",
            "Whenever I try to {action} in {area}, {product} shows {error} and nothing happens.",
        ),
        (
            "App freezes after the {version} update | {product} hangs and closes",
            "Since version {version}, {product} freezes for a minute and then closes.",
        ),
        (
            "Export to {format} produces an empty file | Empty {format} export",
            "The {format} export finishes but the file only contains the header row.",
        ),
        (
            "Save button unresponsive in {browser} | Nothing happens when I click save",
            "On {browser} the save button does nothing; the console shows {error}.",
        ),
        (
            "Wrong totals in {area} | Numbers in {area} don't add up",
            "{area} displays numbers that do not match what we entered.",
        ),
        (
            "Times shifted by one hour | Dates shown one day off in {area}",
            "Times in {area} are shifted by one hour since the clock change.",
        ),
        (
            "Search returns no results for existing items | Search is not finding anything",
            "Searching for an item I created {when} returns nothing, although I can open it directly.",
        ),
        (
            "Page keeps reloading in a loop | Page refreshes by itself",
            "The page reloads itself every few seconds, so I cannot finish typing.",
        ),
        (
            "Attachments fail to upload | Upload stuck at 99%",
            "Uploading a file larger than a few MB fails at 99% with {error}.",
        ),
        (
            "Sync with {tool} stopped working | {tool} connection not syncing",
            "The connection with {tool} stopped syncing {since}; new items no longer appear there.",
        ),
        (
            "Sorting by date is reversed | Sort order ignored in {area}",
            "When I sort {area} by date the oldest entries appear first even with descending order selected.",
        ),
        (
            "Duplicate entries after {format} import | Import creates every row twice",
            "After importing a {format} file every row appears twice.",
        ),
        (
            "{product} is extremely slow | {area} takes forever to load",
            "{product} takes more than 30 seconds to load {area}, it used to be instant.",
        ),
        (
            "Accents garbled in {format} export | Special characters broken in export",
            "Text with accented characters turns into question marks in the {format} export.",
        ),
        (
            "Link in notification email is broken | Notification link leads to an error",
            "Clicking the link in the notification email opens a page that says {error}.",
        ),
        (
            "Filter resets after refresh | Filters are not remembered",
            "The filter I set in {area} is forgotten as soon as I refresh the page.",
        ),
        (
            "Drag and drop moves the wrong card | Cards jump around on the board",
            "Drag and drop in {area} moves the wrong card.",
        ),
        (
            "Layout broken on {os} | Menu overlaps the content",
            "The menu overlaps the content on {os}, so half of the page is unreadable.",
        ),
        (
            "Getting {error} on {area} | {area} won't open",
            "I get {error} every time I open {area} from {product}.",
        ),
        (
            "Line breaks lost when pasting | Formatting disappears from descriptions",
            "Pasting from Word into the description field removes all line breaks.",
        ),
        (
            "Notifications arrive hours late | Emails about changes come way too late",
            "Notification emails arrive three or four hours after the change was made.",
        ),
    ),
    "account": (
        (
            "Cannot log in after password reset | New password not accepted",
            "I reset my password {when} but the new one is not accepted on the sign-in page.",
        ),
        (
            "Locked out after too many attempts | My profile is locked",
            "My profile got locked after a few wrong attempts and I can't get back in.",
        ),
        (
            "Two-factor codes not accepted | 2FA code always invalid",
            "The six-digit code from my authenticator is always rejected as invalid.",
        ),
        (
            "Please change the email on my profile | New login email address",
            "I changed jobs and need the login email changed to {email}.",
        ),
        (
            "Delete my account and personal data | GDPR erasure request",
            "Please delete my profile and all personal data you hold about me.",
        ),
        (
            "SSO login fails for our {team} team | Azure AD sign-in broken for some users",
            "Our single sign-on through Azure AD stopped letting people from {team} in.",
        ),
        (
            "Need admin rights for a new colleague | Make {name} an administrator",
            "{name} joined our {team} team and needs administrator permissions.",
        ),
        (
            "Verification email never arrives | No activation email",
            "I signed up {when} but the confirmation email with the activation link never arrived.",
        ),
        (
            "Transfer ownership of our workspace | Owner is leaving the company",
            "Our owner {name} is leaving the company; ownership should move to me.",
        ),
        (
            "Remove a former employee | Revoke access for {name}",
            "{name} left last month, please remove their access and reassign their items to me.",
        ),
        (
            "Lost my phone with the authenticator app | Can't get 2FA codes anymore",
            "I lost my phone and with it the two-factor app, so I cannot sign in.",
        ),
        (
            "Password reset link expired immediately | Reset link says expired",
            "The reset link in the email says it has expired the moment I click it.",
        ),
        (
            "Merge two profiles into one | I have two logins by mistake",
            "I accidentally created a second profile with my private address; can you merge them?",
        ),
        (
            "Reactivate a deactivated user | Colleague deactivated by mistake",
            "A colleague was deactivated by mistake; please restore their access.",
        ),
        (
            "Login loop with Google sign-in | Google sign-in sends me back to the start",
            "Signing in with Google sends me back to the sign-in screen over and over.",
        ),
        (
            "Invitation link says it is invalid | Can't accept the invite from {name}",
            "The invitation I received from {name} says the link is invalid or already used.",
        ),
        (
            "Sign-in blocked while travelling | Suspicious activity lock",
            "I'm travelling and the sign-in is blocked as suspicious activity.",
        ),
        (
            "Username change request | How do I change my username?",
            "How can I change my username? It still shows my old last name.",
        ),
        (
            "Read-only access for {company} | Guest access for a partner",
            "We need to give {n} people from {company} read-only access to our workspace.",
        ),
        (
            "How do I leave a workspace? | Remove me from the old {team} workspace",
            "I no longer want access to the old {team} workspace, how do I leave it?",
        ),
        (
            "Change role of {name} | Downgrade {name} from admin to member",
            "{name} should no longer be an admin, just a regular member of the workspace.",
        ),
    ),
    "feature": (
        (
            "Dark mode please | Any plans for a dark theme?",
            "It would be great if {product} had a dark theme for people working late.",
        ),
        (
            "Export {area} to {format} | {format} export option",
            "Could you add a way to export {area} to {format}? We copy it by hand today.",
        ),
        (
            "Integration with {tool} | Connect {product} to {tool}",
            "Do you plan an integration with {tool}? Most of our {team} team lives there.",
        ),
        (
            "Bulk edit for multiple items | Change many items at once",
            "Please add bulk editing so we can change many items at once.",
        ),
        (
            "Keyboard shortcuts for common actions | Shortcuts would save clicks",
            "Keyboard shortcuts for creating and closing items would save us a lot of clicks.",
        ),
        (
            "Custom fields on forms | Our own fields, e.g. cost centre",
            "We would like to add our own fields to the forms, for example a cost centre.",
        ),
        (
            "Scheduled email reports | Weekly report by email",
            "A scheduled report sent every Monday by email would help our {team} managers.",
        ),
        (
            "More filter options in {area} | Filter by several labels",
            "Filtering {area} by more than one label at a time would be very useful.",
        ),
        (
            "Allow recurring tasks | Repeat items on a schedule",
            "Is there any plan to support recurring items, for example every first Monday?",
        ),
        (
            "Option to hide completed items | Hide done items",
            "I'd like an option to hide completed items from {area}.",
        ),
        (
            "Webhook when status changes | Outgoing webhooks",
            "A webhook when something changes would let us connect our own tools.",
        ),
        (
            "Gantt chart view | Timeline view for planning",
            "A timeline or Gantt-style view would make planning much easier.",
        ),
        (
            "Mention people in comments | @mentions in comments",
            "Being able to @mention colleagues in comments would replace a lot of emails.",
        ),
        (
            "Offline mode for the mobile app | Use the app without a connection",
            "The mobile app would be much more useful if it worked without a connection.",
        ),
        (
            "Support for multiple time zones | Show times in each person's zone",
            "Our team is spread over {few} time zones; showing times in each person's zone would help.",
        ),
        (
            "Template library for projects | Reusable templates",
            "Reusable templates would save us setting up the same structure every time.",
        ),
        (
            "API endpoint for {area} | Automate {area} through the API",
            "It would help to have an API endpoint for {area} so we can automate our reporting.",
        ),
        (
            "Let us set a default view | Choose the start page",
            "Could each user choose which view opens by default?",
        ),
        (
            "Pin important items to the top | Sticky items",
            "Suggestion: let us pin the most important items at the top of {area}.",
        ),
        (
            "Custom branding for the portal | Our logo on the customer portal",
            "We'd pay more for the {plan} plan if it included custom branding with our logo and colours.",
        ),
        (
            "Feature request: weekly digest | Weekly digest email",
            "Feature request: a weekly digest email summarising what changed.",
        ),
    ),
    "other": (
        (
            "Question about your data centres | Where is our data stored?",
            "Where are your servers located? Our legal team asks whether data stays in the EU.",
        ),
        (
            "Partnership inquiry from {company} | Reseller partnership",
            "I'm with {company} and we would like to explore a reseller partnership.",
        ),
        (
            "Where can I find your security documentation? | SOC 2 report request",
            "Could you point me to your SOC 2 report or security whitepaper?",
        ),
        (
            "Feedback after the webinar | Slides from the webinar",
            "Thanks for the webinar {when}; the slides would be great if you share them.",
        ),
        (
            "Just wanted to say thanks | Great support this year",
            "Just a quick note to say your support team has been fantastic this year.",
        ),
        (
            "Request for a training session | Training for our {team} team",
            "We would like a training session for our {team} team of about {n} people.",
        ),
        (
            "Do you offer a nonprofit discount? | Pricing for schools and charities",
            "Do you have special pricing for charities or schools?",
        ),
        (
            "Who is our account manager? | Contact for our renewal",
            "Who should we talk to about our renewal strategy and roadmap?",
        ),
        (
            "Press inquiry | Interview request",
            "I'm a journalist writing about productivity tools and would like a short interview.",
        ),
        (
            "Unsubscribe from marketing newsletters | Too many newsletters",
            "Please stop sending me the marketing newsletter.",
        ),
        (
            "Can someone call me back? | Phone call please",
            "Can someone from your team give me a call this week? My number is in my signature.",
        ),
        (
            "Accessibility statement | WCAG compliance question",
            "Is your product compliant with the accessibility guidelines (WCAG 2.1)?",
        ),
        (
            "Looking for a case study | References in logistics",
            "Do you have a case study from a company in logistics?",
        ),
        (
            "Invitation to speak at our meetup | Talk at a local meetup",
            "We run a local meetup and would love one of your engineers to give a talk.",
        ),
        (
            "Need a signed DPA | Data processing agreement",
            "Our procurement needs a signed data processing agreement before the next step.",
        ),
        (
            "Office hours during holidays | Are you open over Christmas?",
            "Are you open between Christmas and New Year?",
        ),
        (
            "Is there a user community or forum? | Where do users share tips?",
            "Is there a forum where users share tips and templates?",
        ),
        ("General question | Not sure where to ask this", "I'm not sure who to ask, so I'm starting here."),
    ),
}

DETAILS: dict[str, tuple[str, ...]] = {
    "billing": (
        "The amount was {money} each time.",
        "Our finance team closes the books at the end of {month}.",
        "We pay with a {card}.",
        "The charge appeared on our statement in {month}.",
        "Our contract number is {invoice}.",
        "We are a team of {n} people.",
        "Please send the corrected document to {email}.",
        "Our payment terms are net 30.",
        "I have attached the bank statement.",
        "This happened in {month} as well.",
    ),
    "bug": (
        "I'm using {browser} on {os}.",
        "It happens every time, I can reproduce it reliably.",
        "Clearing the cache did not help.",
        "It started after the update {when}.",
        "{count} colleagues see the same thing.",
        "It works fine in incognito mode, oddly enough.",
        "The app version is {version}.",
        "Steps: open {area}, click {action}, wait a few seconds.",
        "I attached a screenshot of the console.",
        "It still worked fine {when}.",
        "It only happens on {os}, not on my other machine.",
    ),
    "account": (
        "My username is {me}.",
        "I tried on {browser} and on my phone.",
        "This is urgent, I can't work without access.",
        "Our workspace is called {company}.",
        "The email on file is {email}.",
        "I already tried the 'forgot password' link twice.",
        "Our IT admin {admin} can confirm this request.",
        "I have been locked out {since}.",
        "We are on the {plan} plan.",
    ),
    "feature": (
        "Many of our {team} colleagues asked for this.",
        "{tool} already offers something similar.",
        "This would save us hours every week.",
        "We would be happy to test a beta.",
        "Right now we work around it with a spreadsheet.",
        "Is this on your roadmap?",
        "We have {n} users who would benefit.",
        "Even a simple version would be enough for us.",
    ),
    "other": (
        "No rush on this.",
        "I work in the {team} department at {company}.",
        "Happy to jump on a call.",
        "This is for an internal presentation.",
        "Our procurement process starts in {month}.",
        "A short answer by email is fine.",
    ),
}
