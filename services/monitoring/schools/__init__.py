"""School-age children (控辍保学): every child 6–15, where each studies, proof of enrolment, the way back."""
