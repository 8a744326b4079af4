"""Build the PDF and DOCX documents of the Lumen Mobile demo help center.

Lumen Mobile is a fictional company written for CustomerCareGPT. The source text of every
PDF and DOCX lives in this script; running it writes the files into
``src/customercare/demo/content/``. The output is deterministic: fixed creation dates,
fixed document properties and fixed ZIP timestamps, so re-running gives identical bytes.

Usage::

    python scripts/build_demo_docs.py [--out DIR]
"""

from __future__ import annotations

import argparse
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from fpdf import FPDF
from fpdf.enums import XPos, YPos

FIXED_DATE = datetime(2026, 1, 1, tzinfo=UTC)
FIXED_ZIP_TIME = (2026, 1, 1, 0, 0, 0)
AUTHOR = "Lumen Mobile Help Center"
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "src" / "customercare" / "demo" / "content"
MAX_BYTES = 60_000


# --------------------------------------------------------------------------------------
# Document model
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Heading:
    text: str
    level: int = 2  # 2 = section, 3 = subsection (the title is level 1)


@dataclass(frozen=True, slots=True)
class Para:
    text: str


@dataclass(frozen=True, slots=True)
class Bullets:
    items: tuple[str, ...]
    numbered: bool = False


@dataclass(frozen=True, slots=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


Block = Heading | Para | Bullets | Table


@dataclass(frozen=True, slots=True)
class Doc:
    filename: str
    title: str
    subject: str
    keywords: str
    blocks: tuple[Block, ...]


def steps(*items: str) -> Bullets:
    return Bullets(items, numbered=True)


def bullets(*items: str) -> Bullets:
    return Bullets(items)


def table(header: Sequence[str], *rows: Sequence[str]) -> Table:
    return Table(tuple(header), tuple(tuple(row) for row in rows))


# --------------------------------------------------------------------------------------
# PDF documents
# --------------------------------------------------------------------------------------

DEVICE_WARRANTY = Doc(
    filename="device-warranty.pdf",
    title="Lumen Device Warranty",
    subject="Warranty coverage, exclusions and claims for devices bought from Lumen Mobile",
    keywords="devices, warranty, repair",
    blocks=(
        Para(
            "Every new and Certified Renewed device bought from the Lumen Mobile online store "
            "comes with the Lumen Limited Warranty at no extra cost. Lumen handles warranty "
            "service directly, so you do not need to contact the manufacturer. This warranty "
            "is in addition to any rights you have under the law of your state."
        ),
        Heading("Warranty period"),
        bullets(
            "New phones, tablets, smartwatches and mobile hotspots: 12 months from the "
            "delivery date.",
            "Certified Renewed (refurbished) devices: 12 months from the delivery date.",
            "Lumen-brand accessories such as chargers, cables and cases: 12 months from the "
            "delivery date.",
            "Accessories from other brands are covered by their manufacturer's warranty. "
            "We can help you contact the manufacturer.",
            "A replacement device is covered for the rest of the original warranty or for "
            "90 days, whichever is longer.",
        ),
        Para(
            "The warranty applies to the original purchaser and cannot be transferred. "
            "Devices bought from other stores are not covered by the Lumen warranty; contact "
            "the seller or the manufacturer. If a device is faulty when it arrives, report it "
            "within 30 days of delivery and we send a new one under our return policy (see "
            "Returns and Exchanges)."
        ),
        Heading("What is covered"),
        Para(
            "The warranty covers defects in materials and workmanship under normal use, for "
            "example:"
        ),
        bullets(
            "the device does not power on or charge, and has no physical or liquid damage;",
            "dead pixels, or a touch screen that does not respond although it is not cracked;",
            "buttons, speakers, microphones or cameras that stop working;",
            "a battery that holds less than 80% of its original capacity during the "
            "warranty period;",
            "cellular, Wi-Fi, Bluetooth or GPS radios that fail.",
        ),
        Heading("What is not covered"),
        bullets(
            "Accidental damage, such as drops, cracked screens or back glass, and bent frames.",
            "Liquid damage, even on water-resistant devices. Water resistance decreases over time.",
            "Damage caused by repairs from anyone other than Lumen or an authorized repair "
            "center, or by non-genuine parts.",
            "Cosmetic wear, such as scratches and dents that do not affect how the device works.",
            "Loss or theft.",
            "Software problems caused by third-party apps, jailbreaking or rooting.",
            "Normal battery aging while capacity is 80% or more.",
        ),
        Para(
            "Accidental damage, liquid damage, loss and theft are covered by Lumen Protect "
            "device insurance, which also covers mechanical breakdown after this 12-month "
            "warranty ends."
        ),
        Heading("Before you make a claim"),
        steps(
            "Restart the device and install the latest software update.",
            "Chat with technical support. Many problems are solved without sending the device in.",
            "Back up your data. Warranty service erases the device, and we cannot recover "
            "data from it.",
            "Turn off Find My (Apple) or remove your Google account. We cannot service a "
            "device that is still locked to your account.",
            "Remove the SIM card, any memory card, the case and the screen protector.",
        ),
        Heading("How to make a warranty claim"),
        steps(
            "Go to My Lumen > Orders, select the order and choose Warranty claim. Your order "
            "number is your proof of purchase.",
            "Describe the fault and choose standard repair or advance exchange.",
            "Standard repair: we email a prepaid shipping label, valid for 14 days. Pack the "
            "device in a padded box and drop it at any UPS location.",
            "We repair or replace the device within 7 to 10 business days of receiving it "
            "and ship it back free of charge with express delivery.",
        ),
        Heading("Advance exchange", level=3),
        Para(
            "With an advance exchange, we ship the replacement first, usually the next "
            "business day, so you are never without a phone. Advance exchange is free, but we "
            "place a temporary hold on your card for the full retail price of the device. "
            "Send the faulty device back within 14 days using the label in the box; the hold "
            "is released when it arrives. If we do not receive it within 14 days, the card is "
            "charged the full retail price."
        ),
        Para(
            "Replacements are the same model or, if it is no longer available, a model with "
            "equal or better specifications. A replacement can be new or Certified Renewed, "
            "and the color may differ if your color is out of stock."
        ),
        Heading("If we find damage that is not covered"),
        Para(
            "If our inspection finds accidental or liquid damage, we email you a quote for a "
            "paid repair. Accept it within 14 days to have the device repaired; otherwise we "
            "return it unrepaired at no charge. If you used an advance exchange and the device "
            "you returned has damage the warranty does not cover, we charge a non-covered "
            "damage fee of $150 for phones and tablets or $75 for smartwatches and hotspots. "
            "If we find no fault at all, we return the device at no charge."
        ),
    ),
)

LUMEN_PROTECT = Doc(
    filename="lumen-protect-insurance.pdf",
    title="Lumen Protect Device Insurance",
    subject="Prices, service fees, enrollment, claims and cancellation of Lumen Protect",
    keywords="devices, insurance, protection, claims",
    blocks=(
        Para(
            "Lumen Protect is optional insurance for phones, tablets and smartwatches used "
            "on a Lumen Mobile line. It covers accidental damage, loss, theft and mechanical "
            "breakdown. Lumen Protect is underwritten by Harborstone Insurance Company and "
            "administered by Beacon Claims Services (both fictional). This guide is a "
            "summary; the full policy terms are emailed to you when you enroll."
        ),
        Heading("Monthly price"),
        table(
            ("Tier", "Devices", "Price per device per month"),
            ("Tier 1", "Retail price under $600", "$8"),
            ("Tier 2", "Retail price $600 or more", "$14"),
        ),
        Para(
            "The tier is set by the retail price of the device model when you enroll. Lumen "
            "Protect is charged on your monthly invoice, even if your line is on an annual "
            "plan."
        ),
        Heading("What is covered"),
        bullets(
            "Accidental damage, including cracked screens and liquid damage.",
            "Loss and theft.",
            "Mechanical and electrical breakdown after the 12-month Lumen Device Warranty "
            "ends, for as long as you stay enrolled.",
            "Battery replacement after the warranty ends, when battery capacity drops below 80%.",
        ),
        Para(
            "Not covered: cosmetic damage that does not affect how the device works, "
            "intentional damage, devices with a removed or altered IMEI, damage from "
            "unauthorized repairs, accessories, and data or software."
        ),
        Heading("Service fees"),
        Para("You pay a service fee (deductible) when a claim is approved:"),
        table(
            ("Claim type", "Tier 1", "Tier 2"),
            ("Screen repair (front glass only)", "$29", "$29"),
            ("Other accidental damage", "$99", "$149"),
            ("Loss or theft", "$149", "$249"),
            ("Mechanical breakdown after warranty", "$0", "$0"),
            ("Battery replacement after warranty", "$29", "$29"),
        ),
        Heading("Claim limits", level=3),
        Para(
            "You can make up to 2 claims in any rolling 12-month period per device. Screen "
            "repairs and battery replacements count as claims. A replacement device stays "
            "enrolled in Lumen Protect at the same price."
        ),
        Heading("Enrolling"),
        bullets(
            "Enroll within 30 days of buying the device from Lumen or of activating it on a "
            "Lumen line, in My Lumen > Protect > Enroll.",
            "Devices bought elsewhere need a photo inspection in the Lumen app showing the "
            "device switched on, with an undamaged screen and back. We approve inspections "
            "within 1 business day.",
            "The device must work properly and be used with an active Lumen line.",
        ),
        Heading("Filing a claim"),
        steps(
            "If the device was lost or stolen, first suspend the line in My Lumen > Lines > "
            "Report lost or stolen.",
            "File the claim in My Lumen > Protect > File a claim within 60 days of the incident.",
            "For theft, provide a police report number. For loss, sign a statement "
            "describing what happened.",
            "Pay the service fee when the claim is approved.",
        ),
        Para(
            "Replacement devices for approved claims are shipped free with 2-day delivery. "
            "Claims approved by 3:00 p.m. ET on a business day ship the same day. A "
            "replacement can be new or refurbished, of the same model or one with similar "
            "features. If your damaged device is replaced, return it within 14 days with the "
            "prepaid label, or a non-return fee of $300 (Tier 1) or $600 (Tier 2) is charged."
        ),
        Para(
            "Screen repairs are done by mail: send the device with the prepaid label and we "
            "repair and return it within 5 business days of arrival."
        ),
        Heading("Cancelling Lumen Protect"),
        Para(
            "You can cancel at any time in My Lumen > Protect > Cancel coverage. Coverage "
            "ends at the end of the current billing cycle, and partial months are not "
            "refunded. Once you cancel, that device cannot be enrolled again. Lumen Protect "
            "ends automatically when the line is cancelled or the account is closed. If you "
            "move the device to another line on the same account, the coverage moves with it."
        ),
    ),
)

PRIVACY_SUMMARY = Doc(
    filename="privacy-policy-summary.pdf",
    title="Privacy Policy Summary",
    subject="What personal data Lumen Mobile collects, how it is used and your choices",
    keywords="privacy, data, company",
    blocks=(
        Para(
            "This is a plain-language summary of the Lumen Mobile Privacy Policy, effective "
            "January 1, 2026. Lumen Mobile, Inc. is responsible for the personal information "
            "described here. The full policy is at lumenmobile.example/legal/privacy."
        ),
        Heading("Information we collect"),
        bullets(
            "Account information: name, postal and email address, phone numbers, date of "
            "birth, Account PIN and, for business accounts, business details.",
            "Payment information: cards and bank accounts are stored by our payment "
            "processor. Lumen never stores your full card number.",
            "Usage records: the numbers you call and text, call times and durations, and the "
            "amount of data used. We do not record the content of your calls or texts.",
            "Network and location data: the cell sites your phone connects to, which give an "
            "approximate location.",
            "Device information: model, IMEI and software version.",
            "Support records: chat transcripts, and recordings of calls with customer care "
            "when we tell you the call is recorded.",
            "Website and app data: pages visited and app crash reports.",
        ),
        Heading("How we use it"),
        bullets(
            "To provide service, connect calls and route data.",
            "To bill you and process payments.",
            "To prevent fraud, including fraudulent SIM swaps and number transfers.",
            "To plan and improve the network, using aggregated data.",
            "To send marketing, only with your consent, which you can withdraw at any time.",
        ),
        Heading("We do not sell your personal information"),
        Para(
            "Lumen does not sell personal information and does not share it for "
            "cross-context behavioral advertising. We share it only with: our network partner "
            "to carry your calls and data; payment processors; shipping carriers for orders; "
            "our insurance administrator if you enroll in Lumen Protect; and government "
            "authorities when the law requires it, for example under a court order. Your "
            "customer proprietary network information (CPNI), such as which services you use "
            "and your call records, is protected by federal law, and we use it only as that "
            "law allows."
        ),
        Heading("How long we keep it"),
        table(
            ("Information", "Kept for"),
            ("Usage records (calls, texts, data sessions)", "18 months"),
            ("Cell-site location data", "30 days"),
            ("Invoices and billing records", "7 years"),
            ("Chat transcripts", "2 years"),
            ("Customer care call recordings", "90 days"),
            ("Account profile", "Life of the account, then 2 years after it closes"),
        ),
        Para("Some records are kept longer when the law requires it or for a legal dispute."),
        Heading("Your choices and rights"),
        bullets(
            "Access: download a copy of your data in My Lumen > Settings > Privacy > Download "
            "my data (see the Data Export Guide).",
            "Correction: update your profile in My Lumen or ask us to correct information.",
            "Deletion: ask us to delete your data. We delete what we are not required to "
            "keep, such as billing records.",
            "Marketing: reply STOP to marketing texts or use the unsubscribe link in emails. "
            "Changes take effect within 10 days. Service messages, such as payment notices, "
            "cannot be turned off.",
            "CPNI: you can restrict the use of your CPNI for marketing in My Lumen > Settings "
            "> Privacy.",
        ),
        Para(
            "Send privacy requests in My Lumen > Settings > Privacy or by email to "
            "privacy@lumenmobile.example. We verify your identity before acting and respond "
            "within 30 days. If we need more time, we tell you, and the extension is at most "
            "15 days. We do not charge for privacy requests and do not treat you differently "
            "for making one."
        ),
        Heading("Children"),
        Para(
            "Account holders must be at least 18. Parents can add lines for children to their "
            "account. We do not knowingly collect data directly from children under 13, and we "
            "do not send marketing to users under 16."
        ),
        Heading("Security"),
        Para(
            "We encrypt personal data in transit and at rest, limit employee access to what "
            "their role needs, and protect accounts with Account PINs, two-factor "
            "authentication and SIM swap protection. If a data breach affects you, we notify "
            "you as required by law."
        ),
        Heading("Changes to this policy"),
        Para(
            "We email you at least 30 days before any material change to the Privacy Policy "
            "takes effect."
        ),
    ),
)

TRADE_IN = Doc(
    filename="trade-in-program.pdf",
    title="Trade-In Program",
    subject="How to trade in an old device for Lumen account credit",
    keywords="devices, trade-in, credit",
    blocks=(
        Para(
            "Trade in your old phone, tablet or smartwatch and get Lumen account credit. You "
            "can trade in a device from any carrier, whether or not you buy a new device."
        ),
        Heading("Who can trade in"),
        bullets(
            "Lumen account holders with at least one active line.",
            "Up to 5 trade-ins per account per calendar year.",
            "Eligible devices are smartphones, tablets and smartwatches released in the last "
            "6 years.",
            "The device must be fully paid off, must not be reported lost or stolen, and must "
            "not be blocked by any carrier.",
        ),
        Heading("Get a quote"),
        steps(
            "Go to lumenmobile.example/trade-in, or in the Lumen app go to Shop > Trade in.",
            "Enter the model and storage size and answer the questions about its condition.",
            "Accept the quote. The quote is valid for 30 days.",
        ),
        Heading("Condition grades", level=3),
        table(
            ("Grade", "What it means", "Value"),
            (
                "Good",
                "Powers on, holds a charge, no cracks, screen and buttons work",
                "Full quote",
            ),
            ("Damaged", "Powers on but has cracks, dead pixels or faulty parts", "Reduced value"),
            ("Not working", "Does not power on, liquid damage or missing parts", "$0 (recycled)"),
        ),
        Heading("Prepare and ship your device"),
        steps(
            "Back up your data.",
            "Sign out of Find My (Apple) or remove your Google account, then do a factory reset.",
            "Remove the SIM card, any memory card and the case.",
            "Ship the device with the free prepaid label we email when you accept the quote. "
            "If you need a box, order a free trade-in kit; it arrives in 3 to 5 business days.",
        ),
        Para(
            "We must receive the device within 30 days of the quote. A device that arrives "
            "after the quote expires is valued at the current trade-in price. If a device "
            "arrives still locked to an Apple or Google account, we email you and you have 7 "
            "days to remove the lock remotely; otherwise we return the device to you at no "
            "charge. We erase every device with certified data-wiping software, but we are not "
            "responsible for data left on a device."
        ),
        Heading("Inspection and credit"),
        Para("We inspect trade-ins within 5 business days of arrival."),
        bullets(
            "If the condition matches your answers, the full quote is added as Lumen account "
            "credit within 10 business days of the inspection.",
            "If the condition is different, we email a revised quote. You have 7 days to "
            "accept or decline. If you decline, we return the device free. If you do not "
            "answer within 7 days, the revised quote is accepted automatically.",
            "If the device is worth $0, we recycle it responsibly at no cost. If you want it "
            "back instead, tell us within 7 days of our email.",
        ),
        Para(
            "Account credit is applied automatically to your next invoices and can also be "
            "used in the online store. It cannot be exchanged for cash or moved to another "
            "account."
        ),
        Heading("Trade-in promotions"),
        Para(
            "Some new-phone offers give extra credit for a trade-in. Promotional credit is "
            "paid as monthly bill credits over 24 months instead of all at once. If you "
            "cancel the line, move your number to another carrier or change to a plan that "
            "the offer does not include, the remaining monthly credits stop."
        ),
    ),
)

# --------------------------------------------------------------------------------------
# DOCX documents
# --------------------------------------------------------------------------------------

BUSINESS_ACCOUNTS = Doc(
    filename="business-accounts.docx",
    title="Business Accounts",
    subject="Lumen for Business plans, volume discounts, admin portal and billing",
    keywords="business, billing, plans",
    blocks=(
        Para(
            "Lumen for Business serves companies, nonprofits and public agencies with 2 to "
            "200 lines. Organizations that need more than 200 lines can contact our "
            "enterprise sales team at business@lumenmobile.example."
        ),
        Heading("Opening a business account"),
        steps(
            "Go to lumenmobile.example/business and select Open a business account.",
            "Enter the legal business name, business address and your Employer "
            "Identification Number (EIN). Sole proprietors can use a Social Security "
            "Number instead.",
            "Name the person who will be the account Owner.",
            "We verify the business within 1 to 2 business days and email you when the "
            "account is ready.",
        ),
        Heading("Business plans"),
        table(
            ("Plan", "Price per line per month", "High-speed data", "Hotspot"),
            (
                "Business Plus",
                "$32",
                "25 GB per line, pooled across all Business Plus lines",
                "10 GB per line",
            ),
            (
                "Business Unlimited",
                "$50",
                "Unlimited; first 50 GB per line is priority data",
                "30 GB per line",
            ),
        ),
        Para(
            "Business plans are billed monthly; annual billing is not available. Personal "
            "offers such as the multi-line discount and the student discount do not apply to "
            "business lines. Roaming and Travel Pass work the same way and cost the same as "
            "on personal plans."
        ),
        Heading("Pooled data", level=3),
        Para(
            "Business Plus data is shared. For example, 10 Business Plus lines share a pool "
            "of 250 GB each month. When the pool is used up, all Business Plus lines slow to "
            "512 kbps until the next billing date. Admins can set a monthly limit for any "
            "line in the Admin portal."
        ),
        Heading("Volume discounts"),
        table(
            ("Number of lines on the account", "Discount on plan prices"),
            ("2 to 9", "No discount"),
            ("10 to 49", "10%"),
            ("50 to 200", "15%"),
        ),
        Heading("The Admin portal"),
        Para(
            "Manage lines, devices, orders and invoices at business.lumenmobile.example. "
            "Every portal user has one of four roles:"
        ),
        bullets(
            "Owner: one per account; full control, including closing the account.",
            "Admin: adds and cancels lines, orders devices, generates Number Transfer PINs.",
            "Billing manager: views and pays invoices and manages payment methods.",
            "Viewer: read-only access to lines, usage and invoices.",
        ),
        Para(
            "Two-factor authentication is required for Owners, Admins and Billing managers. "
            "Admins can also block roaming, international calling or data top-ups for any "
            "line."
        ),
        Heading("Billing and payment"),
        bullets(
            "One consolidated invoice for all lines, with optional cost centers to split "
            "charges by department. Download invoices as PDF or CSV in Admin portal > Billing.",
            "Pay by card, US bank account (ACH), bank wire or paper check.",
            "Accounts with 20 or more lines can apply for net-30 invoicing (payment due 30 "
            "days after the invoice date), subject to credit approval. Other business "
            "accounts have the same due dates as personal accounts.",
            "Tax-exempt organizations upload their exemption certificate in Admin portal > "
            "Account > Tax exemption. We review it within 3 business days, and the exemption "
            "applies from the next invoice; it is not applied to past invoices.",
        ),
        Heading("Support and account management"),
        Para(
            "Business customers have a dedicated support line, 1-800-555-0177, open Monday "
            "to Friday from 8:00 a.m. to 8:00 p.m. ET. Accounts with 20 or more lines are "
            "also assigned a named account manager who handles orders, billing questions and "
            "quarterly usage reviews."
        ),
        Heading("Moving personal lines to a business account"),
        steps(
            "In the Admin portal, go to Lines > Add existing Lumen line and enter the phone "
            "number.",
            "The personal account holder receives an email and must approve the transfer "
            "within 7 days.",
            "The line moves with its number and any device installment balance. The business "
            "plan replaces the personal plan on the next billing date.",
        ),
        Heading("Ordering devices"),
        Para(
            "Orders of 10 or more devices can get a volume quote: in the Admin portal go to "
            "Shop > Request a quote. Business orders follow the standard shipping and return "
            "policies."
        ),
    ),
)

DATA_EXPORT = Doc(
    filename="data-export-guide.docx",
    title="Data Export Guide",
    subject="How to download a copy of your Lumen Mobile account data",
    keywords="account, privacy, data export",
    blocks=(
        Para(
            "You can download a copy of the personal data in your Lumen Mobile account at any "
            "time, free of charge. The export is a ZIP file with machine-readable files that "
            "you can open in a spreadsheet or import into another service."
        ),
        Heading("Request an export"),
        steps(
            "Sign in to My Lumen and go to Settings > Privacy > Download my data.",
            "Select the categories you want, or select All.",
            "Select Request export and confirm with your password and, if it is on, a "
            "two-factor code.",
        ),
        Para(
            "Only the account holder can request an export of the whole account. You can "
            "have one export request in progress at a time and make up to 4 requests per "
            "calendar month."
        ),
        Heading("What the export contains"),
        table(
            ("Category", "What is included", "Format"),
            ("Profile", "Name, addresses, email, phone numbers, preferences", "JSON"),
            ("Lines and plans", "Lines, plan history, add-ons, discounts", "JSON"),
            ("Billing", "All invoices from the last 24 months, payments and credits", "PDF, CSV"),
            (
                "Usage records",
                "Calls, texts and data sessions from the last 18 months",
                "CSV",
            ),
            ("Orders", "Store orders, returns, trade-ins and warranty claims", "JSON"),
            ("Support", "Chat transcripts from the last 2 years", "JSON"),
            ("Consents", "Marketing and CPNI choices with the dates you made them", "JSON"),
        ),
        Para(
            "The export does not include internal fraud-prevention records, information about "
            "other people (such as the account details of people you called), or records we "
            "no longer keep under our retention periods. Invoices older than 24 months can be "
            "requested separately from customer care."
        ),
        Heading("Download your export"),
        bullets(
            "Exports are usually ready within a few minutes and always within 48 hours. We "
            "email you when yours is ready.",
            "Download it from Settings > Privacy > Download my data. You must be signed in, "
            "and we ask for a two-factor code if it is on.",
            "The download link is valid for 7 days. After that, request a new export.",
            "Most exports are smaller than 50 MB.",
        ),
        Heading("Business accounts"),
        Para(
            "Owners and Admins of business accounts export line-level usage and invoices from "
            "Admin portal > Reports. Individual employees can request their own line's usage "
            "records from their company's Admin."
        ),
        Heading("After closing your account"),
        Para(
            "For 90 days after your account closes you can still sign in with read-only "
            "access and request a data export. After that, email "
            "privacy@lumenmobile.example to request your data."
        ),
        Heading("Keeping your export safe"),
        Para(
            "The export contains your call and text history. Store it somewhere private, do "
            "not send it by email, and delete it when you no longer need it."
        ),
    ),
)

DEVICE_PAYMENT_PLANS = Doc(
    filename="device-payment-plans.docx",
    title="Lumen Pay Monthly Device Payment Plans",
    subject="Paying for a phone in 24 monthly installments at 0% APR",
    keywords="devices, billing, financing, installments",
    blocks=(
        Para(
            "Lumen Pay Monthly lets you spread the cost of a phone, tablet or smartwatch over "
            "24 monthly installments at 0% APR, with no interest and no fees."
        ),
        Heading("Who can use Lumen Pay Monthly"),
        bullets(
            "The device must have a retail price of $150 or more.",
            "You need an active Plus or Unlimited line, monthly or annual. Starter and Flex "
            "lines are not eligible.",
            "Your account must have no past-due balance.",
            "We run a soft credit check when you apply. It does not affect your credit score, "
            "and you get a decision instantly at checkout.",
        ),
        Para(
            "Depending on the credit check, you may need a down payment of 0% to 40% of the "
            "device price, paid at checkout. An account can have up to 3 financed devices at "
            "a time, one per line."
        ),
        Heading("Examples"),
        table(
            ("Retail price", "Down payment", "Monthly installment", "Number of installments"),
            ("$240", "$0", "$10.00", "24"),
            ("$600", "$0", "$25.00", "24"),
            ("$960", "$0", "$40.00", "24"),
            ("$960", "$192 (20%)", "$32.00", "24"),
        ),
        Heading("How installments are billed"),
        Para(
            "Installments appear on your monthly invoice under Device charges. The first "
            "installment is on the first invoice after the device ships. If an installment "
            "is not paid, it is handled like any other unpaid invoice, including the grace "
            "period and suspension described in Failed Payments, Grace Period and Suspension."
        ),
        Heading("Paying off early"),
        Para(
            "You can pay off the remaining balance at any time, with no fee, in My Lumen > "
            "Devices > select the device > Pay off balance. You can also make an extra "
            "payment of any amount; extra payments reduce the balance and shorten the plan, "
            "while the monthly installment stays the same."
        ),
        Heading("Changes to your line"),
        bullets(
            "If you change the line to Starter after buying, the installment plan continues "
            "unchanged.",
            "If you cancel the line, move the number to another carrier or close the account, "
            "the remaining balance becomes due on your final invoice.",
            "If you return the device within the return window, the plan is cancelled and "
            "installments already paid are refunded (see Returns and Exchanges).",
            "If the device is lost or stolen, you still owe the installments. Lumen Protect "
            "can replace the device but does not pay off the balance.",
        ),
        Heading("Your agreement"),
        Para(
            "Before you confirm the order, we show the retail price, down payment, monthly "
            "installment and number of installments in your Lumen Pay Monthly agreement. A "
            "copy is emailed to you and kept in My Lumen > Devices."
        ),
    ),
)

FLEX_PREPAID = Doc(
    filename="lumen-flex-prepaid.docx",
    title="Lumen Flex Pay-As-You-Go",
    subject="Rates, top-ups and balance rules of the Lumen Flex prepaid option",
    keywords="billing, prepaid, flex",
    blocks=(
        Para(
            "Lumen Flex is our pay-as-you-go option. There is no monthly fee: you add money to "
            "a prepaid balance and pay only for what you use. Flex is a good fit if you use "
            "your phone mostly for calls and texts and use less than about 1 GB of data a "
            "month. There is no credit check and no minimum term."
        ),
        Heading("Rates"),
        table(
            ("Service", "Price"),
            ("Calls in the US, made or received", "$0.10 per minute"),
            ("Texts sent", "$0.05 each"),
            ("Texts received", "Free"),
            ("Picture messages sent", "$0.10 each"),
            ("Mobile data", "$0.01 per MB"),
            ("Flex Data Pack: 2 GB, valid for 30 days", "$10"),
            ("Calls to 911 and 611", "Free"),
        ),
        Para(
            "Flex lines include basic voicemail, Wi-Fi calling and mobile hotspot. Visual "
            "voicemail, Travel Pass and World Calling are not available on Flex. Roaming "
            "abroad is charged at pay-per-use rates (see International Roaming)."
        ),
        Heading("Topping up"),
        steps(
            "In the Lumen app go to Flex > Top up.",
            "Choose $10, $25, $50 or $100.",
            "Pay with a card, PayPal or a Lumen gift card.",
        ),
        Para(
            "Turn on Auto top-up to add $10 or $25 automatically whenever your balance falls "
            "below $5. We text you after every automatic top-up. Dial #225# (#BAL#) from your "
            "Flex phone to get a free text with your current balance."
        ),
        Heading("Balance expiry"),
        bullets(
            "Your whole balance stays valid for 180 days after your most recent top-up. Each "
            "top-up restarts the 180 days.",
            "When the balance reaches $0, you can still receive texts and call 911 and 611.",
            "If the balance stays at $0 for 60 days, the line is deactivated. The phone number "
            "is kept for 30 more days; top up in chat during that time to get it back. After "
            "that the number is released.",
        ),
        Para("Flex balance is not refundable and cannot be moved to another account."),
        Heading("Switching between Flex and a plan"),
        bullets(
            "From Flex to Starter, Plus or Unlimited: go to My Lumen > Lines > Change plan. "
            "The plan starts immediately and your remaining Flex balance becomes account "
            "credit on your first invoice.",
            "From a monthly plan to Flex: the change happens on your next billing date.",
            "Annual plans switch to Flex at the end of the annual term.",
        ),
        Heading("Who can use Flex"),
        Para(
            "Flex lines can be added to any personal account and count toward the limit of 5 "
            "lines per personal account. Flex is not available for business accounts."
        ),
    ),
)

ABOUT_LUMEN = Doc(
    filename="about-lumen-mobile.docx",
    title="About Lumen Mobile",
    subject="Company facts, network coverage and commitments of Lumen Mobile",
    keywords="company, network, about",
    blocks=(
        Para(
            "Lumen Mobile is a US mobile phone and data company that sells its plans, phones "
            "and accessories online. Lumen Mobile is a fictional company created for the "
            "CustomerCareGPT demo; any resemblance to a real company is a coincidence."
        ),
        Heading("Key facts"),
        table(
            ("Fact", "Detail"),
            ("Legal name", "Lumen Mobile, Inc."),
            ("Founded", "2017, in Portland, Oregon"),
            ("Headquarters", "48 Lanternway Plaza, Portland, OR 97201"),
            ("Customers", "About 1.2 million"),
            ("Employees", "About 650"),
            ("Customer care centers", "Portland, Oregon and Tulsa, Oklahoma"),
            ("Fulfillment center", "Reno, Nevada"),
            ("Service area", "50 US states, Washington DC, Puerto Rico, US Virgin Islands"),
        ),
        Heading("Our story"),
        Para(
            "Lumen Mobile was founded in 2017 by three former network engineers who wanted a "
            "phone company with simple prices and no contracts. We started with a single "
            "prepaid plan and 4,000 customers in Oregon, launched nationally in 2019, and "
            "introduced annual plans in 2022."
        ),
        Heading("Our network"),
        Para(
            "Lumen is a mobile virtual network operator (MVNO): our service runs on a "
            "nationwide partner network. Our 4G LTE coverage reaches 99% of people in the US, "
            "and our 5G coverage reaches more than 300 million people. 5G is included on "
            "every plan at no extra cost. Check coverage at your address on the coverage map "
            "at lumenmobile.example/coverage before you switch."
        ),
        Heading("How we work"),
        bullets(
            "Online only: we have no retail stores. You can join, buy devices and get help "
            "online, in the Lumen app and by phone.",
            "No contracts and no activation fees.",
            "No hidden fees: we do not add administrative or regulatory recovery fees to invoices.",
            "Bring your own phone: most unlocked phones work on Lumen.",
        ),
        Heading("Sustainability"),
        Para(
            "Devices we receive through trade-ins and returns are refurbished and sold as "
            "Certified Renewed or recycled by certified recyclers; none are sent to landfill. "
            "Since 2023, all our packaging has been plastic-free, and SIM kits use cards made "
            "from recycled plastic."
        ),
        Heading("Accessibility"),
        Para(
            "The Lumen app and website are designed to meet WCAG 2.2 AA. Large-print and "
            "Braille invoices are free, and our agents are trained to assist customers using "
            "relay services."
        ),
        Heading("Press and careers"),
        Para(
            "Journalists can reach our communications team at press@lumenmobile.example. Open "
            "positions are listed at lumenmobile.example/careers."
        ),
    ),
)

PDF_DOCS: tuple[Doc, ...] = (DEVICE_WARRANTY, LUMEN_PROTECT, PRIVACY_SUMMARY, TRADE_IN)
DOCX_DOCS: tuple[Doc, ...] = (
    BUSINESS_ACCOUNTS,
    DATA_EXPORT,
    DEVICE_PAYMENT_PLANS,
    FLEX_PREPAID,
    ABOUT_LUMEN,
)


# --------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------


def _all_text(doc: Doc) -> list[str]:
    texts = [doc.title, doc.subject, doc.keywords]
    for block in doc.blocks:
        if isinstance(block, Heading | Para):
            texts.append(block.text)
        elif isinstance(block, Bullets):
            texts.extend(block.items)
        else:
            texts.extend(block.header)
            for row in block.rows:
                texts.extend(row)
    return texts


def _check_ascii(doc: Doc) -> None:
    """Core PDF fonts only cover Latin-1; keep all source text plain ASCII to be safe."""
    for text in _all_text(doc):
        if not text.isascii():
            bad = sorted({ch for ch in text if not ch.isascii()})
            raise ValueError(f"{doc.filename}: non-ASCII characters {bad!r} in {text[:60]!r}")


class _HelpPDF(FPDF):
    def __init__(self, doc_title: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.doc_title = doc_title

    def header(self) -> None:
        self.set_font("Helvetica", "B", 9)
        self.set_text_color(90, 90, 90)
        self.cell(0, 6, "Lumen Mobile Help Center", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(200, 200, 200)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(4)
        self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("Helvetica", "", 8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 10, f"{self.doc_title} - page {self.page_no()} of {{nb}}", align="C")


def render_pdf(doc: Doc) -> bytes:
    pdf = _HelpPDF(doc.title)
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_title(doc.title)
    pdf.set_author(AUTHOR)
    pdf.set_subject(doc.subject)
    pdf.set_keywords(doc.keywords)
    pdf.set_creator("scripts/build_demo_docs.py")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_margins(left=20, top=15, right=20)
    pdf.add_page()

    pdf.set_font("Helvetica", "B", 18)
    pdf.multi_cell(0, 9, doc.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    for block in doc.blocks:
        if isinstance(block, Heading):
            size = 14 if block.level <= 2 else 12
            pdf.ln(3)
            pdf.set_font("Helvetica", "B", size)
            pdf.multi_cell(0, 7, block.text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(1)
        elif isinstance(block, Para):
            pdf.set_font("Helvetica", "", 11)
            pdf.multi_cell(0, 5.5, block.text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(2)
        elif isinstance(block, Bullets):
            pdf.set_font("Helvetica", "", 11)
            for number, item in enumerate(block.items, start=1):
                marker = f"{number}." if block.numbered else "-"
                pdf.set_x(pdf.l_margin + 3)
                pdf.cell(7, 5.5, marker)
                pdf.multi_cell(0, 5.5, item, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                pdf.ln(0.5)
            pdf.ln(1.5)
        else:
            pdf.set_font("Helvetica", "", 10)
            with pdf.table(line_height=5.5, first_row_as_headings=True) as pdf_table:
                for row in (block.header, *block.rows):
                    pdf_row = pdf_table.row()
                    for value in row:
                        pdf_row.cell(value)
            pdf.ln(3)
    return bytes(pdf.output())


def render_docx(doc: Doc) -> bytes:
    document = docx.Document()
    props = document.core_properties
    props.title = doc.title
    props.subject = doc.subject
    props.keywords = doc.keywords
    props.author = AUTHOR
    props.last_modified_by = AUTHOR
    props.comments = "Lumen Mobile is a fictional company written for CustomerCareGPT."
    props.category = "Help center"
    props.created = FIXED_DATE.replace(tzinfo=None)
    props.modified = FIXED_DATE.replace(tzinfo=None)
    props.last_printed = FIXED_DATE.replace(tzinfo=None)
    props.revision = 1

    document.add_heading(doc.title, level=1)
    for block in doc.blocks:
        if isinstance(block, Heading):
            document.add_heading(block.text, level=block.level)
        elif isinstance(block, Para):
            document.add_paragraph(block.text)
        elif isinstance(block, Bullets):
            for number, item in enumerate(block.items, start=1):
                if block.numbered:
                    document.add_paragraph(f"{number}. {item}", style="List Paragraph")
                else:
                    document.add_paragraph(item, style="List Bullet")
        else:
            docx_table = document.add_table(rows=0, cols=len(block.header))
            docx_table.style = "Table Grid"
            docx_table.alignment = WD_TABLE_ALIGNMENT.LEFT
            for row_index, row in enumerate((block.header, *block.rows)):
                cells = docx_table.add_row().cells
                for cell, value in zip(cells, row, strict=True):
                    cell.text = value
                    if row_index == 0 and value:
                        for run in cell.paragraphs[0].runs:
                            run.bold = True
            document.add_paragraph()

    buffer = io.BytesIO()
    document.save(buffer)
    return _normalize_zip(buffer.getvalue())


def _normalize_zip(data: bytes) -> bytes:
    """Rewrite a ZIP with fixed timestamps and member order so the bytes are reproducible."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            target.writestr(member, source.read(info.filename), compresslevel=9)
    return out.getvalue()


def build(out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    jobs = [(doc, render_pdf) for doc in PDF_DOCS] + [(doc, render_docx) for doc in DOCX_DOCS]
    for doc, render in jobs:
        _check_ascii(doc)
        data = render(doc)
        if len(data) > MAX_BYTES:
            raise ValueError(f"{doc.filename} is {len(data)} bytes, over {MAX_BYTES}")
        path = out_dir / doc.filename
        path.write_bytes(data)
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    args = parser.parse_args(argv)
    for path in build(args.out):
        print(f"wrote {path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
