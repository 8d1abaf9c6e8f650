"""Observatoire's web server: ``streamlit run server.py`` (what ``python3 manage.py run`` does).

Streamlit's own server, with the observatory's sign-in routes and the gate that shows nothing
but the sign-in form before signing in (``observatory/ui/server.py``); app.py is the app.
"""

import streamlit as st

from observatory.ui import server

server.prepare()
app = st.App("app.py", routes=server.routes(), middleware=server.middleware())
