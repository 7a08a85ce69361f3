"""Modules imported on first attribute access (``lazy_loader``), for the parts of dynsim that the
workflow's parse and config validation import but seldom run: building a task object needs no
torch, generating its trials does. ``sys.modules`` holds a placeholder until first use."""

import lazy_loader

torch = lazy_loader.load("torch")
