"""Work queues: filtered, sorted, paginated lists of the applications and enquiries a user works on."""
