"""The blood reserve pages: the board, the daily reports, the emergencies and the working-day calendar."""
