"""Pages of the information base. Thin: parse, call a selector or service, render."""
