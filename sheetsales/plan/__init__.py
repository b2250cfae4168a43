"""From a check report to what a run would write: the status columns (columns.py), the whole
plan of a run (make.py) and how a plan reads in a dry run (diff.py), and the table, JSON and
CSV renderings of a report (render.py). Pure; may import core, understand and rules, and the
Grid and Target protocols of sources.base."""
