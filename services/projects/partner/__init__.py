"""Bureau systems' batches (发改, 财政): project records and fund movements pushed up to 1,000 at a time,
each answered alone and kept once by the record's id, with the single forms' own checks."""
