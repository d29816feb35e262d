"""The Asterisk 22 configuration of hotline12345 as templates (``*.conf.tmpl``), shipped with the package so
that ``hotline sandbox render`` and the sandbox work from an installed wheel too. No code: see README.md."""
