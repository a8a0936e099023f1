"""ecert-edi: a processor for CBP's eCERT 2.0 export-certificate program."""

__version__ = "0.1.0"
