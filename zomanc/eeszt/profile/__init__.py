"""eProfil (S8): the patient's EESZT profile entries, listed and written from the chart."""
