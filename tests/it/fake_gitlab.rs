//! A fake GitLab (REST API v4) for the mirror tests: being written.
