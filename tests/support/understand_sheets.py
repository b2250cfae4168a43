"""Generated sheets as people and CRMs make them (never copied from anywhere): CRM-style CSV
exports with day- or month-first text dates, word probabilities and repeated order IDs beside
unique row IDs; sheets in German, French, Spanish, Portuguese and Dutch; numbered stage lists;
HubSpot-, Salesforce-, Pipedrive- and Bitrix24-style exports. Deterministic for a seed."""

import csv
import datetime as dt
import random
from pathlib import Path

OWNERS = ("Ana", "Bo", "Chen", "Dara")


def write_csv(path: Path, rows: list[list]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows(rows)
    return path


def _day(rng: random.Random, year: int = 2016) -> dt.date:
    return dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(360))


def text_date(day: dt.date, order: str, sep: str = "/") -> str:
    first, second = (day.day, day.month) if order == "DMY" else (day.month, day.day)
    return f"{first:02d}{sep}{second:02d}{sep}{day.year}"


def crm_export(rows: int = 200, order: str = "DMY", seed: int = 1,
               stages=("Prospecting", "Qualification", "Proposing", "Closed Won",
                       "Closed Lost")) -> list[list]:
    """A CRM's opportunity export re-saved as CSV: "Opportunity ID" repeats (an order number
    shared by two rows), "Row ID" is unique, probabilities are words, amounts are text, and
    dates are text in `order` (some with a day above 12, which proves it)."""
    rng = random.Random(seed)
    out = [["Opportunity ID", "Row ID", "Account Name", "Opportunity Owner", "Stage",
            "Win Probability", "Amount", "Created Date", "Close Date"]]
    for i in range(rows):
        created = _day(rng)
        out.append([f"OPP-{i // 2:05d}", f"R{i:06d}", f"Customer {i % 53}", rng.choice(OWNERS),
                     rng.choice(stages), rng.choice(("Low", "Medium", "High")),
                     f"${rng.randint(1, 90)},{rng.randint(100, 999)}.00",
                     text_date(created, order),
                     text_date(created + dt.timedelta(days=rng.randint(20, 90)), order)])
    return out


LANGUAGES = {
    # headers: id, company, owner, stage, amount, created; stages; decimal comma amounts
    "de": (["Nr", "Firma", "Verantwortlich", "Phase", "Betrag", "Erstellt am"],
           ["Neu", "Kontaktiert", "Angebot", "Auftrag", "Verloren"]),
    "fr": (["N° affaire", "Société", "Responsable", "Étape", "Montant", "Date de création"],
           ["Prospect", "Contacté", "Devis envoyé", "Gagné", "Perdu"]),
    "es": (["ID de oportunidad", "Empresa", "Vendedor", "Etapa", "Importe", "Fecha de creación"],
           ["Nuevo", "Contactado", "Propuesta", "Ganado", "Perdido"]),
    "pt": (["ID do negócio", "Cliente", "Responsável", "Etapa", "Valor", "Data de criação"],
           ["Novo", "Contatado", "Proposta enviada", "Ganho", "Perdido"]),
    "nl": (["Dealnummer", "Bedrijf", "Eigenaar", "Fase", "Bedrag", "Aangemaakt op"],
           ["Nieuw", "Gecontacteerd", "Offerte", "Gewonnen", "Verloren"]),
}


def language_sheet(language: str, rows: int = 60, seed: int = 2) -> list[list]:
    """A pipeline kept in `language`: its headers and stage names, day-first dates with dots
    (20.10.2016) and amounts with a decimal comma ("1.234,56 €")."""
    rng = random.Random(seed)
    headers, stages = LANGUAGES[language]
    out = [["Vertriebspipeline 2016" if language == "de" else "Pipeline 2016"], [], headers]
    for i in range(rows):
        created = _day(rng)
        out.append([f"{i + 1}", f"Kunde {i % 17}", rng.choice(OWNERS), rng.choice(stages),
                     f"{rng.randint(1, 40)}.{rng.randint(100, 999)},{rng.randint(10, 99)} €",
                     text_date(created, "DMY", ".")])
    return out


def numbered_sheet(rows: int = 60, seed: int = 3) -> list[list]:
    """A sheet whose stages number themselves, two of them with labels no vocabulary knows."""
    rng = random.Random(seed)
    stages = ["1 - Lead", "2 - Qualify", "3 - Proposal", "4 - Closed Won", "5 - Kickoff",
              "6 - Handover"]
    out = [["Deal ID", "Company", "Owner", "Stage", "Amount"]]
    for i in range(rows):
        out.append([f"D-{i + 1:04d}", f"Co {i}", rng.choice(OWNERS), stages[i % len(stages)],
                    rng.randint(100, 9000)])
    return out


def hubspot_export(rows: int = 40, seed: int = 4) -> list[list]:
    rng = random.Random(seed)
    out = [["Record ID", "Deal Name", "Deal Stage", "Amount", "Close Date", "Create Date",
            "Deal owner", "Associated Company", "Pipeline"]]
    for i in range(rows):
        out.append([str(9000000 + i), f"Deal {i}", rng.choice(
            ("appointmentscheduled", "qualifiedtobuy", "decisionmakerboughtin", "closedwon",
             "closedlost")), rng.randint(500, 9000), "2026-12-15", "2026-10-01",
            rng.choice(OWNERS), f"Co {i}", "default"])
    return out


def salesforce_export(rows: int = 40, seed: int = 5) -> list[list]:
    rng = random.Random(seed)
    out = [["Id", "Name", "AccountId", "StageName", "Amount", "Probability", "CloseDate",
            "CreatedDate", "OwnerId"]]
    for i in range(rows):
        out.append([f"006{i:015d}", f"Opp {i}", f"001{i % 9:015d}", rng.choice(
            ("Prospecting", "Needs Analysis", "Value Proposition", "Proposal/Price Quote",
             "Negotiation/Review", "Closed Won", "Closed Lost")), rng.randint(500, 9000),
            rng.choice((10, 20, 60, 90)), "2026-12-15", "2023-09-26 15:15:00.000000 UTC",
            f"005{rng.randint(1, 3):015d}"])
    return out


def pipedrive_export(rows: int = 40, seed: int = 6) -> list[list]:
    rng = random.Random(seed)
    out = [["Deal - ID", "Deal - Title", "Deal - Value", "Deal - Organization",
            "Deal - Owner", "Deal - Stage", "Deal - Status", "Deal - Deal created"]]
    for i in range(rows):
        out.append([i + 1, f"Deal {i}", rng.randint(500, 9000), f"Org {i}", rng.choice(OWNERS),
                    rng.choice(("Lead In", "Contact Made", "Needs Defined", "Proposal Made",
                                "Negotiations Started")), rng.choice(("open", "won", "lost")),
                    "2026-10-01 09:30:00"])
    return out


def bitrix24_export(rows: int = 40, seed: int = 7) -> list[list]:
    rng = random.Random(seed)
    out = [["ID", "TITLE", "STAGE_ID", "OPPORTUNITY", "CURRENCY_ID", "ASSIGNED_BY_ID",
            "COMPANY_ID", "DATE_CREATE"]]
    for i in range(rows):
        out.append([i + 1, f"Deal {i}", rng.choice(("NEW", "PREPARATION", "WON", "LOSE")),
                    rng.randint(500, 9000), "EUR", rng.randint(1, 4), rng.randint(10, 40),
                    "2026-10-01T09:30:00+03:00"])
    return out
