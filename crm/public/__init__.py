"""The public enquiry form: no sign-in, for the agency's own website to link to."""
