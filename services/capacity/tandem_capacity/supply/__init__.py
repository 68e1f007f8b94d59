"""Supply: teams, the skill catalogue, working schedules, time off and public holidays."""
