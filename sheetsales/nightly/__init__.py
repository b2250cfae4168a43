"""What the unattended nightly job keeps and sends: the run history in SQLite (history.py),
the per-owner digests (digests.py) rendered as e-mail (mail.py) and delivered by print, outbox
or SMTP (delivery.py), and the scheduler (scheduler.py). May import core and rules; the
operations call it, never the other way round."""
