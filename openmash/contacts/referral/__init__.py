"""The public and professional referral form (/refer/): no sign-in, GOV.UK question pages,
answers kept in the session until "Send referral" saves the contact in one transaction."""
