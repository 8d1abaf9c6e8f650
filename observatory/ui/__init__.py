"""The only part of the library that imports Streamlit: sidebar filters, cached access, rendering."""
