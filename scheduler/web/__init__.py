"""The dashboard: a web page served by the scheduler process on its own HTTP port, on the same
event loop as the gRPC services, calling the same domain and store code (so the page and the API
never disagree). Sign-in exchanges an Abaqueue token for a session cookie; the page is plain HTML,
CSS and JavaScript shipped in the package (no build step)."""
