# Paper tables and figures from results/*.json.
