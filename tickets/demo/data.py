"""Hand-written texts, people and setup for `manage.py seed_demo`.

Placeholders filled in when a ticket is played: {order}, {product}, {date}
(order date), {promised} (the date we had promised), {new_date}, {amount},
{invoice}, {voucher}, {third} (who we wait for), {agent}, {first}, {full},
{salutation}.
"""

from dataclasses import dataclass
from datetime import timedelta

# --- staff, inboxes, components ---------------------------------------------

DEMO_PASSWORD = "demo12345"  # noqa: S105 - the documented demo login

STAFF = [
    # username, first, last, language, time zone
    ("maria", "Maria", "Keller", "de", "Europe/Berlin"),
    ("alex", "Alex", "Morgan", "en", "Europe/Berlin"),
    ("jonas", "Jonas", "Weber", "de", "Europe/Berlin"),
    ("priya", "Priya", "Shah", "en", "Europe/London"),
]
ADMINS = {"maria"}

INBOXES = {
    "support": {
        "name": "Support",
        "email_address": "support@amends.example",
        "reference_prefix": "SUP",
        "expected_first_response": timedelta(hours=4),
        "auto_assign": True,
        "signature": (
            "Amends Support · support@amends.example\n"
            "We answer within 4 hours, every day from 7:00 to 22:00 (Berlin time)."
        ),
    },
    "billing": {
        "name": "Billing",
        "email_address": "billing@amends.example",
        "reference_prefix": "BIL",
        "expected_first_response": timedelta(hours=8),
        "auto_assign": False,
        "signature": (
            "Amends Billing · billing@amends.example\n"
            "We answer within 8 hours, Monday to Saturday from 7:00 to 21:00 "
            "(Berlin time)."
        ),
    },
}
# When each team works (Berlin time): last weekday (0 = Monday), first hour,
# end hour.
OFFICE_HOURS = {"support": (6, 7, 22), "billing": (5, 7, 21)}

# (username, inbox, role, per-offer limit, per-month limit, open-ticket cap), EUR
MEMBERSHIPS = [
    ("maria", "support", "manager", 1000, 10000, None),
    ("maria", "billing", "manager", 1000, 10000, None),
    ("alex", "support", "agent", 50, 300, None),
    ("jonas", "support", "agent", 100, 800, None),
    ("jonas", "billing", "agent", 100, 800, None),
    ("priya", "billing", "agent", 25, 150, 40),
]
# Who answers German tickets, and how German customers address staff.
GERMAN_SPEAKER = "jonas"
FORMAL = {"jonas": "Herr Weber", "maria": "Frau Keller"}

COMPONENTS = [
    "Checkout",
    "Courier partner",
    "Customer account",
    "Invoicing",
    "Mobile app",
    "Returns",
    "Warehouse Leipzig",
]

# --- customers ---------------------------------------------------------------


@dataclass(frozen=True)
class DemoCustomer:
    name: str
    email: str
    language: str
    time_zone: str
    # How an agent addresses them: first name in English, "Frau/Herr X" in German.
    salutation: str
    phone: str = ""
    channel: str = "email"


# fmt: off
CUSTOMERS = [
    DemoCustomer("Olivia Bennett", "olivia.bennett@example.com", "en", "Europe/London", "Olivia"),  # noqa: E501
    DemoCustomer("Daniel Hughes", "dhughes@example.net", "en", "Europe/London", "Daniel", "+44 20 7946 0321", "phone"),  # noqa: E501
    DemoCustomer("Hannah Price", "hannah.price@example.org", "en", "Europe/London", "Hannah"),  # noqa: E501
    DemoCustomer("Liam O'Connor", "liam.oconnor@example.com", "en", "Europe/Dublin", "Liam"),  # noqa: E501
    DemoCustomer("Grace Mitchell", "grace.m@example.com", "en", "America/New_York", "Grace", "+1 202 555 0143"),  # noqa: E501
    DemoCustomer("Noah Patel", "noah.patel@example.org", "en", "Europe/London", "Noah", "+44 20 7946 0785", "phone"),  # noqa: E501
    DemoCustomer("Chloe Ward", "chloe.ward@example.org", "en", "Europe/London", "Chloe"),  # noqa: E501
    DemoCustomer("Ethan Brooks", "ethan@brooks.example", "en", "America/Chicago", "Ethan"),  # noqa: E501
    DemoCustomer("Amelia Foster", "amelia.foster@example.com", "en", "Europe/London", "Amelia"),  # noqa: E501
    DemoCustomer("Lucas Grant", "lgrant@example.net", "en", "Europe/Berlin", "Lucas"),
    DemoCustomer("Isla Campbell", "isla.campbell@example.net", "en", "Europe/London", "Isla", "+44 131 496 0418", "phone"),  # noqa: E501
    DemoCustomer("Oscar Reid", "oscar.reid@example.com", "en", "Europe/London", "Oscar"),  # noqa: E501
    DemoCustomer("Mia Sullivan", "mia.sullivan@example.org", "en", "America/New_York", "Mia"),  # noqa: E501
    DemoCustomer("Samuel Okafor", "samuel.okafor@example.com", "en", "Europe/London", "Samuel"),  # noqa: E501
    DemoCustomer("Ava Lindqvist", "ava.lindqvist@example.net", "en", "Europe/Stockholm", "Ava"),  # noqa: E501
    DemoCustomer("Benjamin Hayes", "ben.hayes@example.com", "en", "Europe/London", "Ben", "+44 20 7946 0912", "phone"),  # noqa: E501
    DemoCustomer("Zoe Chen", "zoe.chen@example.org", "en", "Asia/Singapore", "Zoe"),
    DemoCustomer("Ryan Gallagher", "ryan.gallagher@example.com", "en", "Europe/Dublin", "Ryan"),  # noqa: E501
    DemoCustomer("Leah Morrison", "leah.morrison@example.net", "en", "Europe/London", "Leah"),  # noqa: E501
    DemoCustomer("Thomas Whitfield", "t.whitfield@example.com", "en", "Europe/London", "Thomas", "+44 161 496 0207", "phone"),  # noqa: E501
    DemoCustomer("Nadia Rahman", "nadia.rahman@example.com", "en", "Europe/Berlin", "Nadia"),  # noqa: E501
    DemoCustomer("Jack Donovan", "jack.donovan@example.org", "en", "Australia/Sydney", "Jack"),  # noqa: E501
    DemoCustomer("Ella Fraser", "ella.fraser@example.com", "en", "Europe/London", "Ella"),  # noqa: E501
    DemoCustomer("Marcus Bell", "marcus.bell@example.net", "en", "America/Toronto", "Marcus", "+1 416 555 0178"),  # noqa: E501
    DemoCustomer("Priyanka Nair", "priyanka.nair@example.com", "en", "Europe/Amsterdam", "Priyanka"),  # noqa: E501
    DemoCustomer("Henry Caldwell", "henry.caldwell@example.org", "en", "Europe/London", "Henry"),  # noqa: E501
    DemoCustomer("Sabine Hoffmann", "sabine.hoffmann@beispiel.de", "de", "Europe/Berlin", "Frau Hoffmann", "+49 30 23125 481", "phone"),  # noqa: E501
    DemoCustomer("Thomas Becker", "t.becker@beispiel.de", "de", "Europe/Berlin", "Herr Becker"),  # noqa: E501
    DemoCustomer("Julia Schneider", "julia.schneider@beispiel.de", "de", "Europe/Berlin", "Frau Schneider"),  # noqa: E501
    DemoCustomer("Markus Wagner", "markus.wagner@beispiel.de", "de", "Europe/Berlin", "Herr Wagner", "+49 30 23125 117"),  # noqa: E501
    DemoCustomer("Katrin Schulz", "katrin.schulz@beispiel.de", "de", "Europe/Berlin", "Frau Schulz"),  # noqa: E501
    DemoCustomer("Stefan Richter", "stefan.richter@beispiel.de", "de", "Europe/Berlin", "Herr Richter", "+49 30 23125 902", "phone"),  # noqa: E501
    DemoCustomer("Anna Lehmann", "anna.lehmann@beispiel.de", "de", "Europe/Berlin", "Frau Lehmann"),  # noqa: E501
    DemoCustomer("Michael Krüger", "michael.krueger@beispiel.de", "de", "Europe/Berlin", "Herr Krüger"),  # noqa: E501
    DemoCustomer("Laura Neumann", "laura.neumann@beispiel.de", "de", "Europe/Berlin", "Frau Neumann"),  # noqa: E501
    DemoCustomer("Florian Schwarz", "f.schwarz@beispiel.de", "de", "Europe/Berlin", "Herr Schwarz"),  # noqa: E501
    DemoCustomer("Petra Zimmermann", "petra.zimmermann@beispiel.de", "de", "Europe/Berlin", "Frau Zimmermann", "+49 30 23125 644", "phone"),  # noqa: E501
    DemoCustomer("Tobias Braun", "tobias.braun@beispiel.de", "de", "Europe/Berlin", "Herr Braun"),  # noqa: E501
    DemoCustomer("Lena Hartmann", "lena.hartmann@beispiel.de", "de", "Europe/Berlin", "Frau Hartmann"),  # noqa: E501
    DemoCustomer("Elisabeth Gruber", "elisabeth.gruber@beispiel.de", "de", "Europe/Vienna", "Frau Gruber"),  # noqa: E501
]
# fmt: on

DEMO_EMAILS = [c.email for c in CUSTOMERS]

# --- things people order -----------------------------------------------------

PRODUCTS = {
    "en": [
        "Nordlicht desk lamp",
        "Kettle Pro 1.7 l",
        "Trail backpack 30 l",
        "Barista coffee grinder",
        "linen bedding set",
        "Ergo office chair",
        "Mini Bluetooth speaker",
        "cast-iron pan 28 cm",
        "Fjord rain jacket",
        "16-inch children's bike",
        "Lift standing desk",
        "Duo espresso machine",
    ],
    "de": [
        "Schreibtischlampe Nordlicht",
        "Wasserkocher Pro 1,7 l",
        "Wanderrucksack Trail 30 l",
        "Kaffeemühle Barista",
        "Leinen-Bettwäsche-Set",
        "Bürostuhl Ergo",
        "Bluetooth-Lautsprecher Mini",
        "Gusseisenpfanne 28 cm",
        "Regenjacke Fjord",
        "Kinderfahrrad 16 Zoll",
        "Stehschreibtisch Lift",
        "Espressomaschine Duo",
    ],
}

# fmt: off
WEEKDAYS = {
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],  # noqa: E501
    "de": ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"],  # noqa: E501
}
MONTHS = {
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"],  # noqa: E501
    "de": ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"],  # noqa: E501
}
# fmt: on

# Who we wait for when a ticket is "waiting on third party" (German: dative).
THIRD_PARTIES = {
    "en": {
        "late_delivery": "our courier partner CityParcel",
        "billing": "our payment provider",
        "defect": "the manufacturer",
        "broken_promise": "our supplier",
        "conduct": "the courier's depot manager",
        "question": "our warehouse in Leipzig",
        "other": "our warehouse in Leipzig",
    },
    "de": {
        "late_delivery": "unserem Versandpartner CityParcel",
        "billing": "unserem Zahlungsdienstleister",
        "defect": "dem Hersteller",
        "broken_promise": "unserem Lieferanten",
        "conduct": "der Depotleitung des Kurierdienstes",
        "question": "unserem Lager in Leipzig",
        "other": "unserem Lager in Leipzig",
    },
}

# --- first customer messages ---------------------------------------------------

# Follow-up texts are keyed by topic, so a reply always fits the complaint.
TOPIC_CATEGORY = {
    "late": "late_delivery",
    "charge": "billing",
    "invoice": "billing",
    "damaged": "defect",
    "software": "defect",
    "account": "defect",
    "wrong_item": "other",
    "missing_part": "other",
    "stock_promise": "broken_promise",
    "service_promise": "broken_promise",
    "conduct": "conduct",
    "driver": "conduct",
    "question": "question",
}


@dataclass(frozen=True)
class Opening:
    topic: str
    inbox: str
    component: str | None
    subject: str
    body: str
    priority: str = "normal"
    # Questions carry their own answer (the resolving reply).
    answer: str = ""

    @property
    def category(self) -> str:
        return TOPIC_CATEGORY[self.topic]


OPENINGS: dict[str, list[Opening]] = {
    "en": [
        Opening(
            "late",
            "support",
            "Courier partner",
            "Where is my order {order}?",
            "I ordered the {product} on {date} and the confirmation said it would "
            "arrive by {promised}. That date has passed and the tracking page has "
            'said "in transit" ever since. I need it for the weekend. Can you '
            "tell me what is going on?",
        ),
        Opening(
            "late",
            "support",
            "Warehouse Leipzig",
            "Order {order} still not shipped",
            'Your website said "ships within 24 hours" when I ordered the '
            "{product} on {date}. It is now several days later and my account "
            'still shows the order as "being prepared". Nobody told me about a '
            "delay. Is it actually in stock?",
        ),
        Opening(
            "late",
            "support",
            "Warehouse Leipzig",
            "Parcel stuck in Leipzig for a week",
            "The tracking for order {order} shows the parcel at your Leipzig "
            "warehouse since {date} with no movement at all. I have checked every "
            "day. It was meant to be a present and I am running out of time. "
            "Please find out where it is.",
            "high",
        ),
        Opening(
            "late",
            "support",
            "Courier partner",
            "Delivery promised for Saturday, nobody came",
            "I stayed at home all of Saturday because you confirmed delivery of "
            "the {product} (order {order}) for that day. Nobody came, there was "
            'no card in the letterbox, and now the tracking says "delivery '
            'attempt failed". That is simply not true. I cannot take another day '
            "off to wait for it.",
            "high",
        ),
        Opening(
            "late",
            "support",
            "Courier partner",
            "Tracking says delivered but nothing arrived",
            "According to your tracking, order {order} was delivered yesterday at "
            "14:12. Nothing arrived: not at my door, not with the neighbours, not "
            "in the building's parcel room. I paid {amount} for it. What happens "
            "now?",
            "high",
        ),
        Opening(
            "late",
            "support",
            "Courier partner",
            "Paid for express shipping, got standard",
            "I paid extra for next-day delivery of the {product} (order {order}, "
            "placed {date}) because I needed it for a trip. It took four days. I "
            "would like the express fee back, and to know why I paid for a "
            "service I did not get.",
        ),
        Opening(
            "charge",
            "billing",
            "Checkout",
            "Charged twice for order {order}",
            "My bank statement shows two payments of {amount} for order {order} "
            "on {date}. I only placed the order once and only received one "
            "confirmation. Please refund the second charge as soon as possible; "
            "it has pushed my account close to its limit.",
            "high",
        ),
        Opening(
            "invoice",
            "billing",
            "Invoicing",
            "Invoice {invoice} shows the wrong VAT number",
            "The invoice {invoice} for order {order} has an old VAT number for our "
            "company, although I corrected it in the account settings before "
            "ordering. Our accountant cannot book it like this. Could you issue "
            "a corrected invoice?",
        ),
        Opening(
            "charge",
            "billing",
            "Returns",
            "Refund for my return still missing",
            "I returned the {product} from order {order} on {date}. The tracking "
            "shows it arrived at your warehouse, and your email said refunds take "
            "5 working days. It has been two weeks and I have not seen the "
            "{amount}. When will I get my money back?",
        ),
        Opening(
            "charge",
            "billing",
            "Customer account",
            "Subscription renewed after I cancelled",
            "I cancelled my coffee subscription in the app on {date} and got a "
            "confirmation email. Today you charged me {amount} for another "
            "month. Please refund this and make sure the subscription is really "
            "cancelled.",
        ),
        Opening(
            "charge",
            "billing",
            "Checkout",
            "Shipping fee charged despite free shipping",
            "Your banner said free shipping on orders over 50 euros. My order "
            "{order} came to more than that, but I was still charged a shipping "
            "fee. I assume this is a mistake?",
        ),
        Opening(
            "charge",
            "billing",
            "Checkout",
            "Discount code was not applied",
            "I entered the newsletter code at checkout for order {order}; the page "
            "showed the discount, but the final charge of {amount} is the full "
            "price. Could you please correct this and refund the difference?",
        ),
        Opening(
            "invoice",
            "billing",
            "Invoicing",
            "Reminder fee for an invoice I already paid",
            "I received a payment reminder with a late fee for invoice {invoice}. "
            "I paid it by bank transfer on {date}, the money left my account the "
            "same day. I find it a bit much to be charged a fee for your "
            "bookkeeping. Please cancel the reminder.",
        ),
        Opening(
            "damaged",
            "support",
            "Warehouse Leipzig",
            "{product} arrived broken",
            "The {product} from order {order} arrived today with a cracked housing. "
            "The outer box was fine, so it must have been packed like this. I have "
            "photos if you need them. I was really looking forward to it.",
        ),
        Opening(
            "damaged",
            "support",
            "Warehouse Leipzig",
            "{product} stopped working after two weeks",
            "My {product} (order {order}, bought on {date}) simply stopped working "
            "this morning. I have tried everything the manual suggests. Two weeks "
            "is not what I expect for the price I paid.",
        ),
        Opening(
            "software",
            "support",
            "Mobile app",
            "App crashes when I open my orders",
            'Since the last update, the app closes itself every time I tap "My '
            'orders". I cannot see the status of order {order} or start a '
            "return. I have reinstalled it twice. Phone is up to date.",
        ),
        Opening(
            "account",
            "support",
            "Customer account",
            "Cannot log in after password reset",
            "I reset my password yesterday because the app logged me out. The "
            'reset worked, but now the login page says "account locked". I need '
            "to check order {order}. Please unlock my account.",
        ),
        Opening(
            "software",
            "support",
            "Checkout",
            "Checkout fails at the payment step",
            "I have tried three times to buy the {product}. Every time, after I "
            "confirm the payment, the page shows an error and sends me back to the "
            "basket. My bank shows pending charges of {amount} each time. I am "
            "worried I will be charged three times.",
            "high",
        ),
        Opening(
            "wrong_item",
            "support",
            "Warehouse Leipzig",
            "Wrong item in my parcel",
            "I ordered the {product} (order {order}) and received a completely "
            "different item, something I have never looked at on your site. The "
            "packing slip has my name on it but lists the wrong product. How do "
            "I get the one I ordered?",
        ),
        Opening(
            "missing_part",
            "support",
            "Warehouse Leipzig",
            "Part missing from the {product}",
            "The {product} from order {order} arrived without the mounting "
            "screws, so I cannot assemble it. The instructions show a small bag of "
            "parts that is just not in the box.",
        ),
        Opening(
            "service_promise",
            "support",
            None,
            "You promised to call me back",
            "On {date} I spoke to one of your colleagues about order {order}. She "
            "promised to call me back the next day with an answer. Nobody called. "
            "I have now spent more time chasing you than the product is worth.",
        ),
        Opening(
            "stock_promise",
            "support",
            "Warehouse Leipzig",
            "My pre-order was cancelled without asking me",
            "I pre-ordered the {product} on {date}, and you confirmed delivery by "
            "{promised}. Today I got an automatic email saying the order is "
            "cancelled. No explanation, no alternative. I planned around that "
            "date.",
            "high",
        ),
        Opening(
            "stock_promise",
            "support",
            "Warehouse Leipzig",
            "You sent a different model without asking",
            "I ordered the {product} in black (order {order}). What arrived is the "
            "older grey model. Nobody asked me whether that was acceptable. I do "
            "not want a substitute that I never agreed to.",
            "high",
        ),
        Opening(
            "service_promise",
            "billing",
            "Invoicing",
            "The price match you promised was not applied",
            "Your colleague confirmed by email on {date} that you would match the "
            "lower price for the {product} and refund the difference. Nothing has "
            "arrived. I only ordered from you because of that promise.",
        ),
        Opening(
            "service_promise",
            "support",
            "Warehouse Leipzig",
            "Gift wrap and card missing from a birthday present",
            "I paid for gift wrapping and a card for order {order} because it went "
            "straight to my mother for her birthday. It arrived in a plain box "
            "with the invoice inside, showing the price. I am quite embarrassed.",
        ),
        Opening(
            "service_promise",
            "support",
            "Returns",
            "Replacement promised a week ago, still nothing",
            "A week ago you told me a replacement {product} for order {order} "
            "would ship within two days. Since then: nothing. No tracking number, "
            "no email. What is happening?",
        ),
        Opening(
            "driver",
            "support",
            "Courier partner",
            "Driver threw my parcel over the fence",
            "I watched from the window as your driver threw the parcel with my "
            "{product} (order {order}) over the garden fence and drove off. I was "
            "at home, he did not even ring. The box is dented. This is not "
            "acceptable.",
            "high",
        ),
        Opening(
            "conduct",
            "support",
            None,
            "Your hotline agent hung up on me",
            "I called your hotline today about order {order}. After I explained "
            'the problem for the second time, the agent said "there is nothing I '
            'can do" and hung up. I have been a customer for years and have never '
            "been treated like this.",
            "high",
        ),
        Opening(
            "conduct",
            "support",
            None,
            "Unfriendly reply from your team",
            "I asked a simple question about order {order} and got a reply that "
            "basically said I should have read the terms. Maybe so, but the tone "
            "was condescending. I expected better.",
        ),
        Opening(
            "question",
            "support",
            "Courier partner",
            "Can I change the delivery address for {order}?",
            "I will not be at home next week. Can I still change the delivery "
            "address for order {order} to my office, or has it already been "
            "shipped?",
            "low",
            "Yes, that is still possible - the parcel has not left our warehouse "
            "yet. I have changed the delivery address of order {order} to your "
            "office, so there is nothing else you need to do. Does that answer "
            "your question?",
        ),
        Opening(
            "question",
            "support",
            None,
            "Do you ship to Switzerland?",
            "I would like to order the {product} for a friend in Zurich. Do you "
            "ship to Switzerland, and who pays the customs fees?",
            "low",
            "Yes, we ship to Switzerland. Duties and import VAT are calculated at "
            "checkout and paid with the order, so your friend will not be asked "
            "to pay anything on delivery. Delivery takes 3-5 working days. Does "
            "that help?",
        ),
        Opening(
            "question",
            "billing",
            "Customer account",
            "How do I download my invoice?",
            "I need the invoice for order {order} for my tax return but cannot "
            "find a download button in my account. Where is it?",
            "low",
            "You can find all invoices under Account > Orders > Invoice (PDF); "
            "the button appears once the order has shipped. I have also attached "
            "the invoice for order {order} to this email. Did that help?",
        ),
        Opening(
            "question",
            "support",
            "Warehouse Leipzig",
            "Will the {product} be back in stock?",
            "The {product} has been shown as sold out for a while. Do you know "
            "when it will be available again? I would rather wait than buy "
            "elsewhere.",
            "low",
            "Thank you for waiting for us! The {product} will be back in stock "
            "around {new_date}. I have put you on the notification list, so you "
            "get an email the moment it is available. Does that help?",
        ),
        Opening(
            "question",
            "billing",
            "Checkout",
            "Can I pay by invoice?",
            "I would like to order for our office. Is payment by invoice with "
            "30 days possible, and do you need our VAT number for that?",
            "low",
            "Yes, business customers can pay by invoice with 30 days. Please add "
            'your VAT number under Account > Company details; "Invoice" then '
            "appears as a payment method at checkout. Is that what you needed?",
        ),
    ],
    "de": [
        Opening(
            "late",
            "support",
            "Courier partner",
            "Bestellung {order} ist noch nicht angekommen",
            "ich habe am {date} die {product} bestellt. Laut Bestätigung sollte "
            "sie bis zum {promised} da sein. Der Termin ist vorbei, und die "
            'Sendungsverfolgung zeigt seit Tagen nur "unterwegs". Können Sie mir '
            "sagen, wo das Paket ist?",
        ),
        Opening(
            "late",
            "support",
            "Warehouse Leipzig",
            "Paket hängt seit einer Woche im Lager Leipzig",
            "die Sendung zu meiner Bestellung {order} liegt laut Tracking seit dem "
            "{date} in Ihrem Lager in Leipzig, ohne jede Bewegung. Es ist ein "
            "Geschenk, und langsam wird die Zeit knapp. Bitte kümmern Sie sich "
            "darum.",
            "high",
        ),
        Opening(
            "late",
            "support",
            "Courier partner",
            "Zustellung für Samstag zugesagt - niemand kam",
            "ich war den ganzen Samstag zu Hause, weil Sie die Lieferung der "
            "{product} (Bestellung {order}) für diesen Tag bestätigt hatten. Es "
            "kam niemand, eine Benachrichtigungskarte lag auch nicht im "
            'Briefkasten. Jetzt steht im Tracking "Zustellversuch erfolglos". '
            "Das stimmt einfach nicht.",
            "high",
        ),
        Opening(
            "late",
            "support",
            "Courier partner",
            "Sendung als zugestellt markiert, aber nicht da",
            "laut Sendungsverfolgung wurde meine Bestellung {order} gestern "
            "zugestellt. Bei mir ist nichts angekommen, auch nicht bei den "
            "Nachbarn. Ich habe {amount} bezahlt. Wie geht es jetzt weiter?",
            "high",
        ),
        Opening(
            "charge",
            "billing",
            "Checkout",
            "Doppelte Abbuchung für Bestellung {order}",
            "auf meinem Kontoauszug sehe ich zwei Abbuchungen über je {amount} "
            "für die Bestellung {order} vom {date}. Ich habe nur einmal bestellt. "
            "Bitte erstatten Sie den doppelten Betrag so schnell wie möglich.",
            "high",
        ),
        Opening(
            "invoice",
            "billing",
            "Invoicing",
            "Rechnung {invoice} mit falscher Anschrift",
            "auf der Rechnung {invoice} steht noch unsere alte Firmenanschrift, "
            "obwohl ich sie vor der Bestellung im Kundenkonto geändert habe. So "
            "kann unsere Buchhaltung die Rechnung nicht verbuchen. Können Sie mir "
            "eine korrigierte Rechnung schicken?",
        ),
        Opening(
            "charge",
            "billing",
            "Returns",
            "Erstattung für meine Rücksendung fehlt",
            "ich habe die {product} aus Bestellung {order} am {date} "
            "zurückgeschickt. Laut Tracking ist sie bei Ihnen angekommen, aber "
            "die {amount} sind bis heute nicht auf meinem Konto. Wann bekomme ich "
            "mein Geld zurück?",
        ),
        Opening(
            "invoice",
            "billing",
            "Invoicing",
            "Mahngebühr trotz Zahlung",
            "ich habe eine Mahnung mit Mahngebühr für die Rechnung {invoice} "
            "bekommen. Die Rechnung habe ich am {date} überwiesen, das Geld ist am "
            "selben Tag abgebucht worden. Bitte stornieren Sie die Mahnung.",
        ),
        Opening(
            "damaged",
            "support",
            "Warehouse Leipzig",
            "{product} kam beschädigt an",
            "die {product} aus Bestellung {order} kam heute mit einem Riss im "
            "Gehäuse an. Der Karton war unbeschädigt, sie muss also schon so "
            "verpackt worden sein. Fotos kann ich gern schicken. Ich hatte mich "
            "sehr darauf gefreut.",
        ),
        Opening(
            "software",
            "support",
            "Mobile app",
            "App stürzt beim Öffnen der Bestellungen ab",
            "seit dem letzten Update schließt sich die App jedes Mal, wenn ich "
            'auf "Meine Bestellungen" tippe. Ich kann weder den Status von '
            "Bestellung {order} sehen noch eine Rücksendung anmelden. Neu "
            "installiert habe ich sie schon zweimal.",
        ),
        Opening(
            "account",
            "support",
            "Customer account",
            "Anmeldung nach Passwort-Reset nicht möglich",
            "ich habe gestern mein Passwort zurückgesetzt. Das hat funktioniert, "
            'aber jetzt zeigt die Anmeldeseite "Konto gesperrt". Ich muss dringend '
            "nach Bestellung {order} sehen. Bitte entsperren Sie mein Konto.",
        ),
        Opening(
            "service_promise",
            "support",
            None,
            "Versprochener Rückruf kam nie",
            "am {date} habe ich mit Ihrer Hotline über Bestellung {order} "
            "gesprochen. Mir wurde ein Rückruf am nächsten Tag versprochen. "
            "Angerufen hat niemand. Inzwischen habe ich mehr Zeit mit Nachfragen "
            "verbracht, als das Produkt wert ist.",
        ),
        Opening(
            "stock_promise",
            "support",
            "Warehouse Leipzig",
            "Vorbestellung ohne Rückfrage storniert",
            "ich habe die {product} am {date} vorbestellt, und Sie haben die "
            "Lieferung bis zum {promised} bestätigt. Heute kam eine automatische "
            "E-Mail, dass die Bestellung storniert ist. Ohne Erklärung, ohne "
            "Alternative. Ich hatte fest mit dem Termin geplant.",
            "high",
        ),
        Opening(
            "stock_promise",
            "support",
            "Warehouse Leipzig",
            "Anderes Modell geliefert als bestellt",
            "ich habe die {product} in Schwarz bestellt (Bestellung {order}). "
            "Geliefert wurde das ältere graue Modell, ohne dass mich jemand "
            "gefragt hat. Einen Ersatzartikel, dem ich nie zugestimmt habe, "
            "möchte ich nicht behalten.",
            "high",
        ),
        Opening(
            "driver",
            "support",
            "Courier partner",
            "Fahrer hat mein Paket über den Zaun geworfen",
            "ich habe vom Fenster aus gesehen, wie Ihr Fahrer das Paket mit der "
            "{product} (Bestellung {order}) über den Gartenzaun geworfen hat und "
            "weggefahren ist. Ich war zu Hause, geklingelt hat er nicht. Der "
            "Karton ist eingedrückt. So geht das nicht.",
            "high",
        ),
        Opening(
            "conduct",
            "support",
            None,
            "Unhöfliche Behandlung an der Hotline",
            "ich habe heute wegen Bestellung {order} bei Ihrer Hotline angerufen. "
            "Nachdem ich das Problem zum zweiten Mal erklärt hatte, hieß es nur "
            '"da kann ich nichts machen", und dann wurde aufgelegt. So bin ich '
            "in all den Jahren bei Ihnen noch nie behandelt worden.",
        ),
        Opening(
            "question",
            "support",
            "Courier partner",
            "Lieferadresse für {order} noch ändern?",
            "ich bin nächste Woche nicht zu Hause. Kann ich die Lieferadresse für "
            "Bestellung {order} noch auf mein Büro ändern, oder ist das Paket "
            "schon unterwegs?",
            "low",
            "ja, das geht noch - das Paket hat unser Lager noch nicht verlassen. "
            "Ich habe die Lieferadresse der Bestellung {order} auf Ihr Büro "
            "geändert, Sie müssen nichts weiter tun. Beantwortet das Ihre Frage?",
        ),
        Opening(
            "question",
            "billing",
            "Customer account",
            "Wo finde ich meine Rechnung als PDF?",
            "ich brauche die Rechnung zu Bestellung {order} für meine "
            "Steuererklärung, finde im Kundenkonto aber keinen Download. Wo ist "
            "sie?",
            "low",
            "Sie finden alle Rechnungen unter Konto > Bestellungen > Rechnung "
            "(PDF); der Knopf erscheint, sobald die Bestellung versandt ist. Die "
            "Rechnung zu Bestellung {order} hänge ich Ihnen zusätzlich an. Hilft "
            "Ihnen das weiter?",
        ),
    ],
}

CUSTOMER_GREETINGS = {
    "en": ["Hello,", "Hi,", "Hi there,", "Dear Amends team,", ""],
    "de": ["Guten Tag,", "Hallo,", "Sehr geehrte Damen und Herren,"],
}
CUSTOMER_SIGNOFFS = {
    "en": ["Thanks,\n{first}", "Best,\n{first}", "{full}", "Regards,\n{full}"],
    "de": [
        "Viele Grüße\n{full}",
        "Mit freundlichen Grüßen\n{full}",
        "Danke und Gruß\n{first}",
    ],
}

# --- agent replies -------------------------------------------------------------

AGENT_GREETINGS = {
    "en": ["Hi {salutation},", "Hello {salutation},", "Dear {salutation},"],
    "de": ["Guten Tag {salutation},", "Hallo {salutation},"],
}
AGENT_SIGNOFFS = {
    "en": [
        "Best regards,\n{agent}",
        "Kind regards,\n{agent}",
        "All the best,\n{agent}",
    ],
    "de": ["Viele Grüße\n{agent}", "Freundliche Grüße\n{agent}"],
}

# German bodies start in lower case: they follow "Guten Tag Frau X,".

# First answer: acknowledge, apologise, ask what is needed to understand it.
REPLY_ACK: dict[str, dict[str, list[str]]] = {
    "en": {
        "late": [
            "I am sorry that your order {order} has not arrived yet. You planned "
            "around the date we gave you, and we did not keep it. Let me see what "
            "I can do: I am checking the parcel's status with our courier right "
            "now and will get back to you by {new_date} at the latest.",
            "Thank you for letting us know, and I am sorry for the wait. I have "
            "looked at order {order}: the parcel left our warehouse a day late "
            "and was then held up at the courier's hub. I will keep an eye on it "
            "and write to you by {new_date} with a firm delivery date.",
            "I am really sorry - that is not the delivery we promised you. Could "
            "you tell me whether the address on order {order} is still correct "
            "and whether there is a safe place we may leave the parcel? Then I "
            "can arrange a new delivery for {new_date}.",
        ],
        "charge": [
            "I am sorry about this, and thank you for pointing it out. I can see "
            "the issue on order {order} and am looking into it now. Could you "
            "send me the last four digits of the card or account that was "
            "charged, so I can match the payment?",
            "I am sorry that you had to chase us about money - that should never "
            "happen. Let me see what I can do. Could you confirm the date and "
            "amount of the payment as it appears on your statement?",
        ],
        "invoice": [
            "Thank you for writing to us, and I am sorry for the trouble with "
            "invoice {invoice}. That is our mistake, not yours. I am checking the "
            "booking with our accounting team and will get back to you by "
            "{new_date}.",
            "I am sorry for the extra work this causes you. Could you confirm the "
            "details that should be on invoice {invoice}? Then I will have it "
            "corrected straight away.",
        ],
        "damaged": [
            "I am so sorry that your {product} arrived like this. Thank you for "
            "telling us straight away. Could you send me one or two photos? Then "
            "I can sort out a replacement without you having to send anything "
            "back first.",
            "I am sorry - that is really frustrating, especially so soon after "
            "buying it. To understand what happened, could you tell me what "
            "exactly it does (or does not do) when you switch it on? There is no "
            "wrong answer; I just want to fix it properly.",
        ],
        "software": [
            "Thank you for reporting this, and I am sorry for the hassle. Our "
            "developers know about a problem since the last update and are "
            "working on a fix. Could you tell me your phone or browser and the "
            "app version (Settings > About)?",
            "I am sorry - that must be worrying. I have checked your payment "
            "attempts: the pending charges will be released automatically and "
            "you will only pay once. Could you tell me which browser you used, so "
            "our developers can reproduce the error?",
        ],
        "account": [
            "I am sorry that you are locked out - especially when you need to "
            "check an order. Could you confirm the email address of your account "
            "and roughly when you reset the password? Then I can unlock it.",
        ],
        "wrong_item": [
            "I am sorry - that is our mistake, and an annoying one. Thank you for "
            "letting us know. Could you send a photo of the packing slip? Then I "
            "can see what went wrong in the warehouse and send you the right item "
            "straight away.",
        ],
        "missing_part": [
            "I am sorry that you cannot use your {product} yet. Thank you for "
            "telling us. Could you confirm which parts are missing (the bag is "
            "labelled with a letter on the parts list)? Then I can send them "
            "today.",
        ],
        "stock_promise": [
            "I am sorry. We made you a promise and did not keep it, and there is "
            "no excuse for that. Before I come back to you with options, I am "
            "checking every way we could still deliver what you ordered. You will "
            "hear from me by {new_date} with a clear answer.",
            "You are right, and I apologise: nothing should be changed on your "
            "order without asking you first. I am taking care of this myself "
            "now. Could you tell me what matters most to you - the original item, "
            "or getting something quickly?",
        ],
        "service_promise": [
            "You are right, and I apologise: you were promised something and we "
            "did not follow through. I am taking care of this myself now and will "
            "get back to you by {new_date} at the latest.",
            "I am sorry - you should not have to remind us of our own promises. "
            "Let me see what I can do. I am looking into order {order} now and "
            "will write to you again by {new_date}.",
        ],
        "conduct": [
            "I am very sorry for how you were treated. That is not how we want "
            "anyone to be spoken to, and thank you for telling us - it helps us "
            "put it right. I am looking into what happened and will get back to "
            "you by {new_date}.",
            "Thank you for taking the time to write to us, and I am sorry. You "
            "should have been listened to, not brushed off. Could you tell me "
            "roughly what time it happened, so I can follow it up?",
        ],
        "driver": [
            "I am very sorry - that is not how anyone should treat your parcel, "
            "and you should not have had to watch it. Thank you for telling us. "
            "Could you send me a photo of the box and tell me roughly what time "
            "it happened? Then I can take it up with the courier.",
        ],
        "question": [
            "Thanks for your question! Let me check this and get back to you by "
            "{new_date}.",
            "Thank you for asking. I am looking into it now and will reply by "
            "{new_date}.",
        ],
    },
    "de": {
        "late": [
            "es tut mir leid, dass Ihre Bestellung {order} noch nicht angekommen "
            "ist. Sie haben sich auf unseren Termin verlassen, und wir haben ihn "
            "nicht eingehalten. Ich kläre den Status gerade mit unserem "
            "Versandpartner und melde mich spätestens bis {new_date} bei Ihnen.",
            "vielen Dank für Ihre Nachricht, und entschuldigen Sie bitte die "
            "Wartezeit. Ich habe mir die Bestellung {order} angesehen: Das Paket "
            "hat unser Lager einen Tag zu spät verlassen und hing dann im "
            "Verteilzentrum fest. Ich behalte die Sendung im Blick und nenne "
            "Ihnen bis {new_date} einen festen Liefertermin.",
        ],
        "charge": [
            "das tut mir leid, und danke, dass Sie uns darauf hinweisen. Ich sehe "
            "das Problem bei Bestellung {order} und kümmere mich jetzt darum. "
            "Könnten Sie mir die letzten vier Ziffern der belasteten Karte bzw. "
            "des Kontos nennen, damit ich die Zahlung zuordnen kann?",
        ],
        "invoice": [
            "entschuldigen Sie bitte den Ärger mit der Rechnung {invoice}. Der "
            "Fehler liegt bei uns, nicht bei Ihnen. Ich prüfe die Buchung mit "
            "unserer Buchhaltung und melde mich bis {new_date}.",
        ],
        "damaged": [
            "es tut mir sehr leid, dass Ihre {product} so bei Ihnen angekommen "
            "ist. Danke, dass Sie sich gleich gemeldet haben. Könnten Sie mir ein "
            "oder zwei Fotos schicken? Dann veranlasse ich direkt einen Ersatz, "
            "ohne dass Sie vorher etwas zurückschicken müssen.",
        ],
        "software": [
            "das tut mir leid, und danke für Ihre Meldung. Unsere Entwickler "
            "kennen ein Problem seit dem letzten Update und arbeiten an einer "
            "Lösung. Welches Telefon und welche App-Version nutzen Sie "
            "(Einstellungen > Über)?",
        ],
        "account": [
            "es tut mir leid, dass Sie sich nicht anmelden können - gerade wenn "
            "Sie nach einer Bestellung sehen müssen. Können Sie mir die "
            "E-Mail-Adresse Ihres Kontos bestätigen? Dann entsperre ich es.",
        ],
        "stock_promise": [
            "es tut mir leid. Wir haben Ihnen etwas zugesagt und es nicht "
            "eingehalten, dafür gibt es keine Ausrede. Bevor ich Ihnen Optionen "
            "vorschlage, prüfe ich jede Möglichkeit, Ihre Bestellung doch noch "
            "wie versprochen zu liefern. Sie hören bis {new_date} von mir.",
        ],
        "service_promise": [
            "Sie haben recht, und ich entschuldige mich dafür. Ihnen wurde etwas "
            "zugesagt, und wir haben es nicht eingehalten. Ich kümmere mich ab "
            "jetzt persönlich darum und melde mich bis {new_date}.",
        ],
        "conduct": [
            "es tut mir sehr leid, wie Sie behandelt wurden. So möchten wir mit "
            "niemandem umgehen, und danke, dass Sie es uns sagen - nur so können "
            "wir es besser machen. Ich gehe dem nach und melde mich bis "
            "{new_date} bei Ihnen.",
        ],
        "driver": [
            "es tut mir sehr leid - so darf mit Ihrem Paket niemand umgehen. "
            "Danke, dass Sie es uns sagen. Können Sie mir ein Foto des Kartons "
            "schicken und ungefähr sagen, wann das war? Dann kläre ich das mit "
            "dem Kurierdienst.",
        ],
        "question": [
            "danke für Ihre Frage! Ich kläre das und melde mich bis {new_date}.",
        ],
    },
}

# We are waiting for someone else; say who, and when the customer hears again.
REPLY_THIRD_PARTY = {
    "en": [
        "I have asked {third} to look into this and expect their answer in the "
        "next few days. I will update you by {new_date}, even if I do not have "
        "news by then, so you are not left waiting.",
        "Quick update: the case is now with {third}. I know waiting is annoying; "
        "I have marked it as urgent and will write to you again by {new_date}.",
        "I am sorry this is taking longer than it should. I am waiting for {third} "
        "to confirm the details, and I will get back to you by {new_date} at the "
        "latest.",
    ],
    "de": [
        "ich habe mich mit {third} in Verbindung gesetzt und erwarte die Antwort "
        "in den nächsten Tagen. Ich melde mich bis {new_date} bei Ihnen, auch wenn "
        "es bis dahin noch nichts Neues gibt.",
        "kurzer Zwischenstand: Der Fall liegt jetzt bei {third}. Ich weiß, dass "
        "Warten ärgerlich ist; ich habe ihn als dringend markiert und schreibe "
        "Ihnen spätestens am {new_date} wieder.",
    ],
}

# A second answer that asks the customer to choose (any topic).
REPLY_PROGRESS = {
    "en": [
        "Thank you, that helps a lot. I have found out what went wrong and want "
        "to make it right. What would you consider a fair solution?",
        "Thanks for the details. I can offer you two options: we fix it with a "
        "replacement that arrives by {new_date}, or we refund the full amount "
        "today. Which would you prefer?",
        "Thank you for your patience. Before I go ahead, could you confirm that "
        "you are at home on {new_date}? Then I can book the delivery for that "
        "day.",
    ],
    "de": [
        "danke, das hilft mir sehr. Ich weiß jetzt, was schiefgelaufen ist, und "
        "möchte es wiedergutmachen. Was wäre für Sie eine faire Lösung?",
        "vielen Dank für die Details. Ich kann Ihnen zwei Möglichkeiten anbieten: "
        "Wir schicken Ihnen Ersatz, der bis {new_date} bei Ihnen ist, oder wir "
        "erstatten Ihnen heute den vollen Betrag. Was ist Ihnen lieber?",
    ],
}

# The fix, plus something extra, and the follow-up question.
REPLY_RESOLVE: dict[str, dict[str, list[str]]] = {
    "en": {
        "late": [
            "Your parcel is now out for delivery and will arrive on {new_date}. "
            "For the trouble, I have refunded the shipping costs and added a "
            "{voucher} voucher to your account. Are you happy with this solution?",
            "Good news: order {order} was delivered this morning. I have refunded "
            "your shipping costs - you should see them within 3-5 working days. "
            "I am sorry again for the wait. Is everything all right with the "
            "delivery?",
            "I have sent a replacement by express; it arrives on {new_date}. You "
            "do not need to do anything about the first parcel - that is our job. "
            "I have also added a {voucher} voucher for the inconvenience. Does "
            "that work for you?",
        ],
        "charge": [
            "I have refunded {amount} to your original payment method today; "
            "depending on your bank it shows up within 3-5 working days. I have "
            "also made sure this cannot happen again on your account. Is this "
            "solution all right for you?",
            "The refund of {amount} is on its way, and as a thank-you for your "
            "patience I have added a {voucher} voucher to your account. Are you "
            "satisfied with this?",
        ],
        "invoice": [
            "Attached to this email you find the corrected invoice {invoice}. I "
            "have cancelled the old one and any fees on it. I am sorry for the "
            "extra work this caused you. Is everything in order now?",
            "I have corrected invoice {invoice} and cancelled the reminder; the "
            "new invoice is attached. As an apology for the trouble I have added "
            "a {voucher} voucher to your account. Is this solution all right for "
            "you?",
        ],
        "damaged": [
            "Thank you for the details. A new {product} leaves our warehouse today "
            "and arrives by {new_date}; the courier will take the faulty one with "
            "them, so you do not have to pack anything. I have also added a "
            "{voucher} voucher. Are you happy with this?",
            "I have refunded the full price of the {product} and you may keep "
            "the faulty one - please do not go to the trouble of sending it back. "
            "Is this a fair solution for you?",
        ],
        "software": [
            "Our developers have released a fix (version 4.12.1). After updating, "
            "everything works again. I checked order {order} for you: it is on "
            "its way and arrives on {new_date}. Does it work for you now?",
            "The error is fixed, and the pending charges have been released; you "
            "paid exactly once. I have added a {voucher} voucher for the "
            "trouble. Could you let me know whether everything looks right on "
            "your side?",
        ],
        "account": [
            "I have unlocked your account; you can log in with your new password "
            "now. The lock was caused by a fault on our side after the password "
            "reset, not by anything you did. Could you let me know whether the "
            "login works?",
        ],
        "wrong_item": [
            "The right {product} is on its way and arrives on {new_date}; the "
            "courier will collect the wrong item at the same time. I have also "
            "added a {voucher} voucher for the trouble. Is this solution all "
            "right for you?",
        ],
        "missing_part": [
            "The missing parts left our warehouse today by express and arrive on "
            "{new_date}. I am sorry you had to wait to use your {product}. I have "
            "added a {voucher} voucher for the trouble. Are you happy with this?",
        ],
        "stock_promise": [
            "I have checked with our supplier and all our stock: the original item "
            "is available again from {new_date}. You can choose: wait for it "
            "(with free express delivery), take the newer model at the same price "
            "today, or cancel with a full refund. Whatever you choose, I have "
            "added a {voucher} voucher to your account. Just tell me what you "
            "prefer.",
            "Thank you for choosing. The {product} you ordered is on its way and "
            "arrives on {new_date}, with free express delivery; the courier will "
            "collect the other model. There is a small gift in the parcel as an "
            "apology. Are you happy with this solution?",
        ],
        "service_promise": [
            "I have now done what we promised and added a {voucher} voucher for "
            "the trouble. You should not have had to chase us for something we "
            "had already agreed. Are you satisfied with this solution?",
            "It is sorted: your replacement ships today and arrives on "
            "{new_date}, with tracking that I am watching myself. There is a "
            "small gift in the parcel as an apology. Does that work for you?",
        ],
        "conduct": [
            "I have spoken to the people involved and we went through what "
            "happened together. It was not acceptable, and I am sorry. As a small "
            "apology, I have added a {voucher} voucher to your account. I would be "
            "glad to hear whether this feels like a fair way to close this.",
        ],
        "driver": [
            "I have reported this to the courier's depot manager, who has spoken "
            "to the driver. I have also sent you a replacement for the dented "
            "{product}; it arrives by {new_date}, and you may keep the first one. "
            "Are you happy with this?",
        ],
    },
    "de": {
        "late": [
            "Ihr Paket ist jetzt in der Zustellung und kommt am {new_date} bei "
            "Ihnen an. Für den Ärger habe ich Ihnen die Versandkosten erstattet "
            "und einen Gutschein über {voucher} in Ihrem Konto hinterlegt. Sind "
            "Sie mit dieser Lösung zufrieden?",
            "ich habe Ihnen per Express Ersatz geschickt; er kommt am {new_date} "
            "an. Um das erste Paket kümmern wir uns, damit haben Sie keine "
            "Arbeit mehr. Zusätzlich habe ich Ihnen einen Gutschein über {voucher} "
            "gutgeschrieben. Passt das für Sie?",
        ],
        "charge": [
            "ich habe Ihnen heute {amount} auf Ihr ursprüngliches Zahlungsmittel "
            "erstattet; je nach Bank sehen Sie den Betrag in 3-5 Werktagen. "
            "Außerdem habe ich dafür gesorgt, dass das bei Ihrem Konto nicht "
            "wieder passiert. Ist das so für Sie in Ordnung?",
        ],
        "invoice": [
            "anbei finden Sie die korrigierte Rechnung {invoice}. Die alte "
            "Rechnung und eventuelle Gebühren habe ich storniert. Entschuldigen "
            "Sie bitte den zusätzlichen Aufwand. Ist jetzt alles in Ordnung?",
        ],
        "damaged": [
            "danke für die Fotos. Eine neue {product} verlässt heute unser Lager "
            "und ist bis {new_date} bei Ihnen; der Kurier nimmt die beschädigte "
            "gleich mit. Zusätzlich habe ich Ihnen einen Gutschein über {voucher} "
            "hinterlegt. Sind Sie damit zufrieden?",
        ],
        "software": [
            "unsere Entwickler haben den Fehler mit Version 4.12.1 behoben; nach "
            "dem Update funktioniert wieder alles. Ihre Bestellung {order} ist "
            "unterwegs und kommt am {new_date} an. Klappt es bei Ihnen jetzt?",
        ],
        "account": [
            "ich habe Ihr Konto entsperrt; Sie können sich jetzt mit Ihrem neuen "
            "Passwort anmelden. Die Sperre kam durch einen Fehler auf unserer "
            "Seite, nicht durch Sie. Können Sie mir kurz sagen, ob die Anmeldung "
            "klappt?",
        ],
        "stock_promise": [
            "ich habe bei unserem Lieferanten und in allen Lagern nachgefragt: "
            "Der ursprüngliche Artikel ist ab {new_date} wieder verfügbar. Sie "
            "können wählen: darauf warten (mit kostenlosem Expressversand), heute "
            "das neuere Modell zum selben Preis bekommen oder kostenlos "
            "stornieren. Unabhängig davon habe ich Ihnen einen Gutschein über "
            "{voucher} gutgeschrieben. Sagen Sie mir einfach, was Ihnen lieber "
            "ist.",
        ],
        "service_promise": [
            "ich habe jetzt erledigt, was wir Ihnen zugesagt hatten, und Ihnen "
            "zusätzlich einen Gutschein über {voucher} gutgeschrieben. Sie "
            "hätten uns nicht hinterherlaufen müssen. Sind Sie mit dieser Lösung "
            "zufrieden?",
        ],
        "conduct": [
            "ich habe mit den Beteiligten gesprochen, und wir sind den Vorfall "
            "gemeinsam durchgegangen. Das war nicht in Ordnung, und es tut mir "
            "leid. Als kleine Entschuldigung habe ich Ihnen einen Gutschein über "
            "{voucher} gutgeschrieben. Ist das für Sie ein fairer Abschluss?",
        ],
        "driver": [
            "ich habe den Vorfall der Depotleitung des Kurierdienstes gemeldet, "
            "die mit dem Fahrer gesprochen hat. Außerdem habe ich Ihnen Ersatz "
            "für die Sendung mit dem eingedrückten Karton geschickt; er kommt am "
            "{new_date} an. Sind Sie damit zufrieden?",
        ],
    },
}

# --- customer follow-ups ---------------------------------------------------------

CUSTOMER_ANSWERS: dict[str, dict[str, list[str]]] = {
    "en": {
        "late": [
            "Thanks for getting back to me. The address is correct; you can leave "
            "the parcel with the neighbours at number 12 if I am not in.",
            "OK. I appreciate the quick answer, but I do need it by the end of "
            "the week.",
            "Thanks. To be honest I am losing patience - this is the second time "
            "something has gone wrong with an order.",
        ],
        "charge": [
            "The card ends in 4417. The two charges were on the same day, a few "
            "minutes apart.",
            "It was {amount}, taken on {date}. I have attached a screenshot of "
            "my statement.",
        ],
        "invoice": [
            "The correct details are in my account since before the order. I "
            "have attached a screenshot.",
            "Thanks. Our accountant needs it by the end of the month, if possible.",
        ],
        "damaged": [
            "Photos are attached. You can see the crack on the left side.",
            "It does not switch on at all, no light, nothing. It was never dropped.",
        ],
        "software": [
            "It is an iPhone 13, app version 4.12.0.",
            "I used Firefox on a laptop. The same happened on my phone.",
        ],
        "account": [
            "Yes, it is the address I am writing from. I reset the password "
            "yesterday evening around 9.",
        ],
        "wrong_item": ["Photo of the packing slip attached."],
        "missing_part": ["It is bag C, the screws and the small brackets."],
        "stock_promise": [
            "Honestly, I would prefer the original. But I need to know it will "
            "really come this time.",
            "I want the one I ordered. I do not mind waiting a little if the date "
            "is real.",
        ],
        "service_promise": [
            "Thank you. I just want it done, I do not want to chase this again.",
            "OK, I will wait for your message. Please do not forget me again.",
        ],
        "conduct": [
            "It was around 10:30 in the morning. I would just like an apology, "
            "honestly.",
            "It was yesterday afternoon. I am not asking for much - just to be "
            "treated normally.",
        ],
        "driver": [
            "Photo attached. It was around 11 this morning. The {product} seems "
            "to work, but the box is ruined and it was a present.",
        ],
        "question": [
            "Thanks! Please let me know as soon as you know more.",
        ],
    },
    "de": {
        "late": [
            "danke für die schnelle Antwort. Die Adresse stimmt; wenn ich nicht "
            "da bin, können Sie das Paket bei den Nachbarn in Nummer 12 abgeben.",
            "in Ordnung. Ich brauche es aber wirklich bis Ende der Woche.",
            "ehrlich gesagt verliere ich langsam die Geduld - das ist schon das "
            "zweite Mal, dass bei einer Bestellung etwas schiefgeht.",
        ],
        "charge": [
            "die Karte endet auf 4417. Beide Abbuchungen waren am selben Tag, nur "
            "wenige Minuten auseinander.",
        ],
        "invoice": [
            "die richtige Anschrift steht seit vor der Bestellung im Konto. Ein "
            "Screenshot ist im Anhang.",
        ],
        "damaged": ["Fotos sind im Anhang. Der Riss ist links gut zu sehen."],
        "software": ["ich habe ein Pixel 7 mit App-Version 4.12.0."],
        "account": ["ja, es ist die Adresse, von der ich schreibe."],
        "stock_promise": [
            "mir wäre das Original lieber. Aber ich muss wissen, dass es diesmal "
            "wirklich kommt.",
        ],
        "service_promise": [
            "danke. Ich möchte einfach, dass es erledigt wird, ohne noch einmal "
            "nachfragen zu müssen.",
        ],
        "conduct": [
            "es war gegen halb elf am Vormittag. Eigentlich möchte ich nur, dass "
            "man normal mit mir umgeht.",
        ],
        "driver": [
            "Foto ist im Anhang. Es war heute gegen 11 Uhr. Der Inhalt scheint "
            "heil zu sein, aber es sollte ein Geschenk werden.",
        ],
        "question": ["danke! Geben Sie mir bitte Bescheid, sobald Sie mehr wissen."],
    },
}

CUSTOMER_THANKS = {
    "en": [
        "Yes, that is perfect. Thank you for sorting it out so quickly.",
        "Everything arrived. Thanks, I really appreciate the gesture.",
        "That works for me. Thanks for taking it seriously.",
        "All good now. Thank you for your help!",
    ],
    "de": [
        "ja, das passt so. Vielen Dank für die schnelle Lösung.",
        "alles ist angekommen. Danke, über die Geste habe ich mich gefreut.",
        "damit bin ich zufrieden. Danke, dass Sie sich so gekümmert haben.",
    ],
}

CUSTOMER_STILL = {
    "en": [
        "Sorry, but it is still not sorted. Nothing has changed on my side.",
        "I have waited as you asked, but nothing has happened.",
    ],
    "de": [
        "leider ist es immer noch nicht erledigt. Bei mir hat sich nichts geändert.",
        "ich habe wie besprochen gewartet, aber es ist nichts passiert.",
    ],
}

REPLY_AFTER_STILL = {
    "en": [
        "I am sorry - I told you it was done and it was not. I have now escalated "
        "it myself and will confirm by {new_date} that it is really sorted.",
    ],
    "de": [
        "das tut mir leid - ich hatte Ihnen geschrieben, es sei erledigt, und das "
        "stimmte nicht. Ich habe es jetzt selbst eskaliert und bestätige Ihnen "
        "bis {new_date}, dass es wirklich erledigt ist.",
    ],
}

# --- internal notes --------------------------------------------------------------

NOTES: dict[str, dict[str, list[str]]] = {
    "en": {
        "late": [
            "CityParcel hub scan shows the parcel missorted to Halle. Asked them "
            "to reroute; they say two days.",
            "Chain of events: order picked a day late (Leipzig short-staffed on "
            "the late shift), missed the courier cut-off, then stuck at the hub.",
            "Third late delivery from the Leipzig late shift this week - flagging "
            "for the weekly review.",
        ],
        "charge": [
            "Payment provider log: two captures 3 minutes apart - the checkout "
            "retried after a timeout. Refund the second one.",
            "Refund stuck in 'pending approval' since the return was scanned. "
            "Released it manually.",
        ],
        "invoice": [
            "Customer data was changed after the invoice run; invoicing picks up "
            "changes only at night.",
            "Payment was booked to the wrong invoice number. Corrected in the ledger.",
        ],
        "damaged": [
            "Same batch as two other faulty units last month - asked the "
            "warehouse to check the remaining stock.",
            "Packing station 3 uses too little padding for fragile items; raised "
            "with the warehouse lead.",
        ],
        "software": [
            "Known issue since release 4.12.0, fix in 4.12.1 (release today).",
            "Reproduced with the customer's browser; developers have it.",
        ],
        "account": ["Account locked by the rate limiter after the reset; unlocked."],
        "wrong_item": [
            "Packing error in Leipzig: two orders with similar bin numbers were "
            "swapped.",
        ],
        "missing_part": [
            "Mounting screws missing from the whole delivery batch - warehouse is "
            "checking the other boxes.",
        ],
        "stock_promise": [
            "Checked all stock and both suppliers: original available again in "
            "10 days. Alternative: newer model, same price.",
            "Substitute was shipped without asking - the picker used the 'similar "
            "item' shortcut. Raised with the warehouse lead.",
        ],
        "service_promise": [
            "The promise was logged but never assigned to anyone. That is how it "
            "got lost.",
            "Colleague who promised it is on holiday; nobody picked up the task.",
        ],
        "conduct": [
            "Went through the conversation with the team lead: the customer was "
            "polite, our side was not. Coaching session booked.",
            "Chain of events: handled at the end of a long shift, no script for "
            "this case. Adding one to the solution library.",
        ],
        "driver": [
            "Reported the driver to CityParcel with the order number and time.",
            "Second complaint about the same CityParcel route this month.",
        ],
        "question": [
            "Standard question - added the answer to the solution library.",
        ],
    },
    "de": {
        "late": [
            "CityParcel: Paket im Verteilzentrum falsch sortiert (Halle). "
            "Umleitung beauftragt, dauert zwei Tage.",
            "Ablauf: Kommissionierung einen Tag zu spät (Spätschicht Leipzig "
            "unterbesetzt), Abholung verpasst, dann im Hub hängen geblieben.",
        ],
        "charge": [
            "Log des Zahlungsdienstleisters: zwei Buchungen im Abstand von 3 "
            "Minuten, Checkout hat nach Timeout wiederholt. Zweite erstatten.",
            "Erstattung hing seit dem Wareneingang in 'Freigabe ausstehend'. "
            "Manuell freigegeben.",
        ],
        "invoice": [
            "Kundendaten wurden nach dem Rechnungslauf geändert; die Rechnung "
            "übernimmt Änderungen erst nachts.",
        ],
        "damaged": [
            "Gleiche Charge wie zwei andere beschädigte Gehäuse letzten Monat - "
            "Lager prüft den Restbestand.",
        ],
        "software": ["Bekannter Fehler seit 4.12.0, Fix kommt mit 4.12.1."],
        "account": ["Konto nach dem Reset vom Rate-Limiter gesperrt; entsperrt."],
        "stock_promise": [
            "Alle Lager und beide Lieferanten geprüft: Original in 10 Tagen "
            "wieder da. Alternative: neueres Modell zum selben Preis.",
        ],
        "service_promise": [
            "Zusage wurde notiert, aber niemandem zugewiesen. Deshalb ging sie "
            "verloren.",
        ],
        "conduct": [
            "Gesprächsaufzeichnung angehört: Die Kundschaft war höflich, unser "
            "Kollege hat aufgelegt. Mit der Teamleitung besprochen.",
        ],
        "driver": [
            "Fahrer mit Bestellnummer und Uhrzeit bei CityParcel gemeldet.",
        ],
        "question": ["Standardfrage - Antwort in die Lösungsbibliothek aufgenommen."],
    },
}

MANAGER_NOTES = {
    "en": [
        "Approved a {voucher} voucher (above the agent's limit). Repeat customer, "
        "worth it.",
        "Let's use this one in Friday's review: same pattern as last week.",
        "{agent}, please keep me posted on this one - the customer has written "
        "twice already.",
    ],
    "de": [
        "Gutschein über {voucher} freigegeben (über dem Limit). Stammkunde, das "
        "lohnt sich.",
        "Nehmen wir am Freitag in die Auswertung: gleiches Muster wie letzte Woche.",
        "{agent}, halte mich hier bitte auf dem Laufenden - die Kundschaft hat "
        "schon zweimal geschrieben.",
    ],
}

HANDOVER_NOTE = "Passing this to {agent}: the customer writes in German."
