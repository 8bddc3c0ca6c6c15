"""Detector adapters (installed as ``aflfp_bench.baselines``)."""
