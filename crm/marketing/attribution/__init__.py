"""Attribution (SPEC section 6): the UTM rules that name a web contact's channel, every household's touches, the
six models that share each outcome (ROI, approval) among them, and the nightly job's recompute."""
