"""The operations behind the commands, one module each: what `sheetsales.check`, `run`,
`clean`, `remind`, `undo`, `init`, `demo` and `schedule` do. Each takes a Config (or nothing,
for the defaults) and plain arguments and returns data; writing ones take the source's guard
once, at their entry (guard.py). May import every layer below; nothing below imports it."""
