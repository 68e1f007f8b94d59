"""Benefits realised after delivery, against the business case's plan and the project's actual costs."""
