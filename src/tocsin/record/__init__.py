"""Record and report: the audit chain, subject status and decision views."""
