"""Fake service-account key files whose token_uri points at the emulator."""
from __future__ import annotations

import json
import secrets
from pathlib import Path

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

DEFAULT_CLIENT_EMAIL = "forms-sync@emulator-project.iam.gserviceaccount.com"


def service_account_info(token_uri: str, client_email: str = DEFAULT_CLIENT_EMAIL) -> tuple[dict, str]:
    """A service-account JSON dict with a fresh RSA key, and the key's public half (PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()).decode()
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    info = {
        "type": "service_account",
        "project_id": "emulator-project",
        "private_key_id": secrets.token_hex(20),
        "private_key": private_pem,
        "client_email": client_email,
        "client_id": str(secrets.randbelow(10**21)),
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_uri,
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/"
                                + client_email.replace("@", "%40"),
        "universe_domain": "googleapis.com",
    }
    return info, public_pem


def write_service_account_file(path: str | Path, emulator_url: str,
                               client_email: str = DEFAULT_CLIENT_EMAIL, register: bool = True) -> Path:
    """Write a key file for the emulator at emulator_url; register=True makes it check the JWT signature."""
    info, public_pem = service_account_info(emulator_url.rstrip("/") + "/token", client_email)
    path = Path(path)
    path.write_text(json.dumps(info, indent=2), encoding="utf-8")
    if register:
        with requests.Session() as s:
            r = s.post(emulator_url.rstrip("/") + "/_emulator/service-accounts",
                       json={"client_email": client_email, "public_key_pem": public_pem}, timeout=10)
            r.raise_for_status()
    return path
