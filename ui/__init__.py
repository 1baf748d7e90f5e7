"""The Streamlit layer's shared pieces: session state, sidebar panels, pure stepper state."""
