"""Observatoire: Streamlit entry point (st.navigation); draws the shared sidebar, routes to pages."""

from observatory.ui import shell

shell.run()
