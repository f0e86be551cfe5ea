"""Documents a household uploads or a worker files: identity, proof of address, DBS certificates, medicals."""
