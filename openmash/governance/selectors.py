"""Reads of governance records (DPO only)."""
