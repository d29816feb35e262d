"""Files attached to a ticket (回复/承诺/延期 evidence): type-sniffed uploads, checked downloads."""
