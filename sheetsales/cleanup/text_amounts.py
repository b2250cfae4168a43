"""amounts: turn text amounts ("$4,500.00", "2,300", "1.234,56 €") in the Amount column into
numbers, so SUM and pivots count them. The column's own values say which separator is the
decimal one (understand/amounts.py); where they prove neither or both, an amount such as
"1.234" that only the proof could read is left alone and reported, as is text that is no
amount."""

from ..understand.amounts import COMMA, column_separators, decimal_proof, read_amount
from .base import CleanOptions, Skipped, Step, Table, missing_column

KIND = "amounts"
# A cleaned CSV cell must not start like a formula (SPEC 10); a negative amount would.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def amount_columns(table: Table) -> list[int]:
    return [table.columns["amount"]] if "amount" in table.columns else []


def _as_text(number: float, decimal: str | None) -> str:
    """A number as a CSV holds it: no grouping, the column's decimal mark."""
    text = f"{number:.2f}".rstrip("0").rstrip(".") if not number.is_integer() else \
        str(int(number))
    return text.replace(".", ",") if decimal == COMMA else text


def clean_amounts(table: Table, config, options: CleanOptions) -> Step:
    """Write each readable text amount as a number (as plain text with the column's decimal
    mark for a source without number cells, such as CSV)."""
    columns = amount_columns(table)
    if not columns:
        return missing_column("Amount", KIND)
    typed = table.serial_dates if options.typed_dates is None else options.typed_dates
    step = Step()
    for col in columns:
        texts: dict[str, int] = {}
        for row in table.deals:
            value = table.get(row, col)
            if isinstance(value, str) and value.strip():
                texts.setdefault(value.strip(), row)
        separators = column_separators("amount", ((r, t) for t, r in texts.items()))
        for row in table.deals:
            value = table.get(row, col)
            if not isinstance(value, str) or not value.strip():
                continue
            text = value.strip()
            number = read_amount(text, separators.decimal)
            if number is None:
                step.skipped.append(Skipped(table.ref(row, col), value, "not an amount; "
                                            "correct it by hand or move it to Notes", KIND))
            elif separators.decimal is None and decimal_proof(text) == "both":
                step.skipped.append(Skipped(table.ref(row, col), value, (
                    f"could be {read_amount(text, COMMA):g} or {read_amount(text, '.'):g}: "
                    f"the column has {separators.describe()}; correct it by hand"), KIND))
            elif typed:
                step.edits[row, col] = number
            else:
                new = _as_text(number, separators.decimal)
                if new.startswith(_FORMULA_START):
                    step.skipped.append(Skipped(table.ref(row, col), value,
                                                f"would start like a formula ({new}); a CSV "
                                                "cell is left as it is", KIND))
                elif new != value:
                    step.edits[row, col] = new
    return step
