"""The emails Atlas sends, in the guide's words. Senders as the guide names them."""
from __future__ import annotations

NOREPLY = "noreply@atlas.globalsign.com"
NOREPLY_QUOTES = "noreply-atlas@globalsign.com"
REPRESENTATIVE = "onboarding.representative@globalsign.com"

STEPS = """1 You will receive an email titled "New User Registration" inviting you to join a GlobalSign Atlas Portal Account.
2 You will receive an email titled "Password Reset Code - GlobalSign Atlas". Use this code to create a new password.
3 You will be notified within 24 business hours that your service quotation is ready for your approval.
4 Log in to your Atlas Account and approve the quotation.
5 Select 'Identity Profile' and create a new Identity Profile for your IntranetSSL OV service.
6 Your Organization Identity Profile will undergo vetting. You will be notified once this process is complete.
7 Once vetting has been completed, and only when instructed to do so, log in to your Atlas Account.
8 Under 'Access Credentials', select 'API Credentials' and click 'Generate API Credentials'.
9 Select the 'View and Copy' generation method.
10 Select the service IntranetSSL (OV) to link your credentials to your vetted Atlas Organization profile.
11 Input a familiar name.
12 GlobalSign will now configure your Atlas service to connect to the MHHS Programme PKI hierarchy; wait for
   the confirmation email that the service can now be used, then continue with the DIP Onboarding Guide."""

CONFIRMATION_SUBJECT = "Thank you for starting your GlobalSign onboarding - MHHS DIP"
INVITATION_SUBJECT = "New User Registration"
RESET_CODE_SUBJECT = "Password Reset Code - GlobalSign Atlas"
QUOTATION_SUBJECT = "Your GlobalSign quotation is ready"
VERIFIED_SUBJECT = "GlobalSign vetting complete - your identity profile is verified"
REJECTED_SUBJECT = "GlobalSign vetting - your identity profile was rejected"
POSTAL_SUBJECT = "GlobalSign postal challenge letter"
SERVICE_READY_SUBJECT = "Your GlobalSign Atlas service can now be used"


def confirmation(first_name: str) -> str:
    return (f"Dear {first_name},\n\nThank you for starting your GlobalSign onboarding as part of your onboarding to "
            "the Market-wide Half Hourly Settlement (MHHS) programme's Data Integration Platform (DIP).\n\n"
            "To continue your journey, follow each of these GlobalSign Atlas Portal steps in order:\n\n"
            f"{STEPS}\n\nYou will not be able to continue your DIP registration until you have completed the "
            "GlobalSign onboarding process.\n")


def invitation(first_name: str, company: str, link: str) -> str:
    return (f"Dear {first_name},\n\nYou have been invited to join the GlobalSign Atlas Portal account of {company}.\n"
            f"Accept the invitation here: {link}\n\nAccepting it sends you a password reset code by email.\n")


def reset_code(first_name: str, code: str) -> str:
    return (f"Dear {first_name},\n\nYour password reset code is: {code}\n\nUse it with your email address to set "
            "a new password, then log in to GlobalSign Atlas. The code can be used once.\n")


def quotation(company: str, link: str) -> str:
    return (f"The service quotation for {company} is ready for your approval.\n\nLog in to Atlas and click the "
            f"'View and Accept Quote' tile: {link}\n")


def verified(company: str, link: str) -> str:
    return (f"The identity profile of {company} has been verified. You can now continue: log in to Atlas and "
            f"generate API credentials ({link}).\n")


def rejected(company: str, reason: str) -> str:
    return (f"The identity profile of {company} could not be verified.\n\nReason: {reason}\n\nCreate a new "
            "identity profile with the corrected details to restart vetting.\n")


def postal_letter(company: str, contact: str, address: str, code: str) -> str:
    return (f"GlobalSign - Postal challenge\n\nTo: {contact}, {company}\n{address}\n\nWe could not reach you "
            f"through your registered headquarters. To complete the vetting of your organisation, enter this "
            f"code in the GlobalSign Atlas portal (Identity Profiles): {code}\n")


def service_ready(familiar_name: str, api_key: str) -> str:
    return (f"Your API credential '{familiar_name}' (API key {api_key}) is now bound to the MHHS Programme PKI "
            "hierarchy. The service can now be used: generate your mTLS certificate and continue with the DIP "
            "Onboarding Guide.\n")
