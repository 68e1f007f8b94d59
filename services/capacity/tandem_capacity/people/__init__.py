"""People in the capacity pool, their skills, teams and the skill catalogue."""
