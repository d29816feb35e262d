"""Composition root of hotline12345: settings, CLI and app assembly. Holds no domain logic."""
