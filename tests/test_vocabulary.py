"""The personal-data vocabulary: what keys and names match, what must not, and why."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

import mixlint.vocabulary as vocabulary_module
from mixlint.resources import data_dir
from mixlint.vocabulary import Category, Vocabulary, WordMatch

LANGUAGES = {"en", "de", "fr", "es", "it", "nl"}


@pytest.fixture(scope="module")
def vocab() -> Vocabulary:
    return Vocabulary.load()


def category_of(vocab: Vocabulary, key: str) -> str | None:
    match = vocab.match_key(key)
    return None if match is None else match.category.id


# --- data files ---------------------------------------------------------------


def test_data_dir_holds_the_vocabulary() -> None:
    folder = data_dir() / "vocabulary"
    assert isinstance(data_dir(), Path)
    assert (folder / "personal_data.yaml").is_file()
    assert (folder / "special_categories.yaml").is_file()


def test_required_categories(vocab: Vocabulary) -> None:
    required = {
        "email", "phone", "person_name", "postal_address", "birth_date", "ip_address",
        "national_id", "passport", "payment_card", "bank_account", "precise_location",
        "device_ad_id", "credentials", "username", "photo", "user_agent",
    }  # fmt: skip
    special = {
        "health", "racial_ethnic_origin", "political_opinion", "religion", "trade_union",
        "genetic", "biometric", "sex_life_orientation", "criminal",
    }  # fmt: skip
    categories = vocab.categories
    assert required | special <= set(categories)
    assert {cid for cid, c in categories.items() if c.special} == special
    direct = {cid for cid, c in categories.items() if c.direct_identifier}
    assert direct == {"email", "phone", "person_name", "ip_address", "username"}
    assert all(isinstance(c, Category) and c.label for c in categories.values())


def test_every_category_has_words_in_six_languages() -> None:
    for document in vocabulary_module._documents():
        for raw in document.get("categories") or ():
            assert set(raw["words"]) == LANGUAGES, raw["id"]


def test_no_word_belongs_to_two_categories() -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for document in vocabulary_module._documents():
        for raw in document.get("categories") or ():
            for key in ("words", "ambiguous", "contextual"):
                for _, word in vocabulary_module._by_language(raw.get(key)):
                    for form in vocabulary_module._forms(word):
                        owners[form].add(raw["id"])
    assert {form: ids for form, ids in owners.items() if len(ids) > 1} == {}


def test_context_words_are_not_vocabulary_words(vocab: Vocabulary) -> None:
    words = set(vocab._direct) | set(vocab._ambiguous) | set(vocab._contextual)
    assert vocab._clearing & words == set()
    assert vocab._person & words == set()
    assert vocab._things & words == set()
    assert vocab._person & vocab._clearing == set()
    assert vocab._person & vocab._things == set()
    for clear in vocab._category_clearing.values():
        assert clear & words == set()


def test_bare_token_is_never_personal(vocab: Vocabulary) -> None:
    # The Mixpanel project token is public.
    for key in ("token", "mp_token", "project_token", "$token", "csrf_token"):
        assert vocab.match_key(key) is None, key


# --- split --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("identifier", "words"),
    [
        ("userEmail", ["user", "email"]),
        ("user_email", ["user", "email"]),
        ("user-email", ["user", "email"]),
        ("user email", ["user", "email"]),
        ("user.email", ["user", "email"]),
        ("$first_name", ["first", "name"]),
        ("IPAdresse", ["ip", "adresse"]),
        ("E-Mail-Adresse", ["e", "mail", "adresse"]),
        ("HTTP_X_FORWARDED_FOR", ["http", "x", "forwarded", "for"]),
        ("address_line1", ["address", "line", "1"]),
        ("ipv4", ["ipv", "4"]),
        ("prénom", ["prenom"]),
        ("Straße", ["strasse"]),
        ("Längengrad", ["laengengrad"]),
        ("Geburtsdatum", ["geburtsdatum"]),
        ("contraseña", ["contrasena"]),
        ("getFullName", ["get", "full", "name"]),
        ("", []),
        ("$", []),
    ],
)
def test_split(identifier: str, words: list[str]) -> None:
    assert Vocabulary.split(identifier) == words


# --- keys that name personal data (MX101) --------------------------------------

MUST_MATCH = {
    "email": [
        "email", "$email", "userEmail", "e_mail", "E-Mail-Adresse", "Email-Adresse",
        "emailAddress", "EMAIL_ADDRESS", "contact_email", "emails", "Emailadresse", "courriel",
        "adresse_email", "correo_electronico", "correo", "posta_elettronica", "indirizzo_email",
        "emailadres", "mail",
    ],
    "phone": [
        "phone", "$phone", "phone_number", "phoneNumber", "mobile", "mobile_number", "tel",
        "cell_phone", "telefonnummer", "Handynummer", "Kundentelefonnummer", "Mobilnummer",
        "Rufnummer", "numero_de_telephone", "téléphone_portable", "telefono", "móvil",
        "celular", "cellulare", "numero_di_telefono", "telefoonnummer", "mobiel",
    ],
    "person_name": [
        "vorName", "Vorname", "Nachname", "Familienname", "$first_name", "$last_name", "$name",
        "first_name", "lastName", "surname", "full_name", "fullname", "given_name", "fname",
        "customer_name", "contact_name", "Kundenname", "Mitarbeitername", "prénom", "prenom",
        "nom_de_famille", "nombre_completo", "apellido", "apellidos", "nombre_cliente",
        "cognome", "nome_completo", "nome_cliente", "voornaam", "achternaam", "klantnaam",
    ],
    "username": [
        "username", "user_name", "Benutzername", "nickname", "screen_name", "user_handle",
        "nom_d_utilisateur", "nombre_de_usuario", "nome_utente", "gebruikersnaam",
        "github_username", "login", "github_login", "handle", "display_name", "displayName",
        "author_login", "team_member_handle", "repo_owner_login", "Anzeigename", "pseudo",
        "apodo", "soprannome", "bijnaam", "nom_affiché", "nombre_para_mostrar",
        "nome_visualizzato", "weergavenaam",
    ],
    "postal_address": [
        "address", "billing_address", "shipping_address", "street", "street_address",
        "home_address", "house_number", "Straße", "strasse", "Strasse", "Rechnungsadresse",
        "Lieferanschrift", "Lieferadresse", "Hausnummer", "adresse_postale", "rue",
        "dirección", "domicilio", "indirizzo", "woonadres", "factuuradres", "straat",
    ],
    "birth_date": [
        "date_of_birth", "dob", "birthday", "birthdate", "Geburtsdatum", "Geburtstag",
        "date_de_naissance", "fecha_de_nacimiento", "data_di_nascita", "geboortedatum",
    ],
    "ip_address": [
        "ip", "$ip", "ip_address", "ipAddress", "client_ip", "remote_addr", "x_forwarded_for",
        "IPAdresse", "IP-Adresse", "adresse_ip", "direccion_ip", "indirizzo_ip", "ip_adres",
        "ipv4", "ipv6",
    ],
    "national_id": [
        "ssn", "tax_id", "national_id", "social_security_number", "drivers_license",
        "Steuernummer", "Steuer-ID", "SteuerId", "Sozialversicherungsnummer",
        "Personalausweis", "Personalausweisnummer", "numero_de_securite_sociale", "dni", "nif",
        "codice_fiscale", "bsn", "burgerservicenummer",
    ],
    "passport": [
        "passport", "passport_number", "Reisepassnummer", "Reisepass", "passeport",
        "pasaporte", "passaporto", "paspoortnummer",
    ],
    "payment_card": [
        "card_number", "credit_card", "creditCardNumber", "cvv", "Kreditkartennummer",
        "Kreditkarte", "numero_de_carte", "tarjeta_de_credito", "carta_di_credito",
        "creditcardnummer",
    ],
    "bank_account": [
        "iban", "IBAN", "bank_account", "bankAccountNumber", "Kontonummer", "Bankverbindung",
        "compte_bancaire", "cuenta_bancaria", "conto_corrente", "rekeningnummer",
    ],
    "precise_location": [
        "latitude", "longitude", "lat", "lng", "gps", "geolocation", "lat_lng", "coordinates",
        "Breitengrad", "Längengrad", "Laengengrad", "Koordinaten", "latitud", "latitudine",
        "breedtegraad", "géolocalisation",
    ],
    "device_ad_id": [
        "idfa", "gaid", "advertising_id", "$ios_ifa", "imei", "mac_address",
        "device_fingerprint", "MAC-Adresse", "identifiant_publicitaire",
    ],
    "credentials": [
        "password", "Passwort", "Kennwort", "mot_de_passe", "contraseña", "wachtwoord",
        "access_token", "refresh_token", "auth_token", "password_reset_token", "otp",
    ],
    "photo": ["$avatar", "avatar", "avatar_url", "profile_picture", "user_photo", "Profilbild"],
    "user_agent": [
        "user_agent", "userAgent", "User-Agent", "user agent", "HTTP_USER_AGENT", "useragent",
        "ua", "ua_string", "Browserkennung", "agent_utilisateur", "agente_de_usuario",
        "agente_utente", "gebruikersagent",
    ],
}  # fmt: skip

MUST_MATCH_SPECIAL = {
    "health": [
        "diagnosis", "Diagnose", "Hauptdiagnose", "Diagnosedatum", "medication", "Medikament",
        "has_disability", "disability", "Behinderung", "Behinderungsgrad", "pregnancy",
        "pregnant", "schwanger", "Schwangerschaft", "therapy", "Therapie", "illness",
        "blood_type", "hiv_status", "health_condition", "krankheit", "Krankheitsverlauf",
        "maladie", "grossesse", "enfermedad", "embarazo", "malattia", "ziekte", "zwanger",
    ],
    "racial_ethnic_origin": ["ethnicity", "ethnic_origin", "ethnie", "Hautfarbe", "etnia"],
    "political_opinion": [
        "political_party", "political_opinion", "Parteizugehörigkeit", "parteizugehoerigkeit",
        "parti_politique", "partido_politico", "politieke_partij",
    ],
    "religion": [
        "religion", "Konfession", "Religionszugehörigkeit", "Religionszugehorigkeit",
        "religious_beliefs", "religione", "religie", "Weltanschauung",
    ],
    "trade_union": [
        "union_member", "union_membership", "trade_union", "Gewerkschaft",
        "Gewerkschaftsmitglied", "syndicat", "sindicato", "vakbond",
    ],
    "genetic": ["genetic_test", "dna", "genome", "Gentest", "adn"],
    "biometric": [
        "biometric_template", "biometric", "fingerprint_template", "Fingerabdruck",
        "empreinte_digitale", "huella_dactilar", "vingerafdruk",
    ],
    "sex_life_orientation": [
        "sexual_orientation", "sexuelle_orientierung", "Sexualität", "orientation_sexuelle",
        "orientación_sexual", "seksuele_geaardheid",
    ],
    "criminal": [
        "criminal_record", "has_criminal_record", "vorstrafe", "Vorstrafen", "Strafregister",
        "casier_judiciaire", "antecedentes_penales", "strafblad",
    ],
}  # fmt: skip


@pytest.mark.parametrize(
    ("category", "key"),
    [(category, key) for category, keys in MUST_MATCH.items() for key in keys],
)
def test_personal_key(vocab: Vocabulary, category: str, key: str) -> None:
    match = vocab.match_key(key)
    assert match is not None, key
    assert match.category.id == category, match.explain()
    assert not match.category.special
    assert match.source == key


@pytest.mark.parametrize(
    ("category", "key"),
    [(category, key) for category, keys in MUST_MATCH_SPECIAL.items() for key in keys],
)
def test_special_category_key(vocab: Vocabulary, category: str, key: str) -> None:
    match = vocab.match_key(key)
    assert match is not None, key
    assert match.category.id == category, match.explain()
    assert match.category.special


# --- keys that must NOT match ------------------------------------------------------

TRAPS = [
    # words that merely contain a vocabulary word
    "tip", "zip", "shipping", "shipping_method", "membership_tier", "mailchimp_campaign",
    "mailing_list_id", "nominal", "phoneme", "campaign", "voicemail", "hotmail", "automobiel",
    # clearing words
    "ip_allowlist_enabled", "email_opt_in", "email_verified", "email_domain", "emailDomain",
    "has_phone", "phone_verified", "name_length", "event_name", "plan_name", "product_name",
    "file_name", "company_name", "customer_name_length", "username_length", "email_hash",
    "email_sha256", "address_book_size", "ip_address_country", "mobile_app", "is_mobile",
    "mobile_os", "gps_enabled", "card_brand", "card_last4", "password_length",
    "password_changed", "has_password", "auth_token_expires_at", "user_photo_count",
    "click_coordinates", "wallet_address", "server_address", "server_ip", "host_ip",
    # German and Dutch compounds with a clearing or non-person first part
    "Dateiname", "Produktname", "Firmenname", "Firmenadresse", "Webadresse", "Dateipfad",
    "Firmentelefon", "bestandsnaam", "productnaam", "nom_produit", "nombre_producto",
    # ambiguous words without a person, contextual words on a thing
    "name", "image", "photo", "product_image", "Name", "repo_full_name", "repository_full_name",
    "project_display_name", "org_login", "channel_handle", "file_handle", "user_repo_full_name",
    "team_display_name", "product_full_name", "workspace_handle",
    # contextual words are matched as written (a count of logins) and cleared by time words
    "logins", "handles", "last_login", "first_login", "login_at", "login_time", "login_count",
    "login_method", "login_provider", "login_failed", "login_attempts", "login_url",
    "login_screen", "handle_time",
    # parsed user-agent families are coarse (decision: not flagged)
    "browser_family", "user_agent_family", "ua_browser", "user_agent_os", "ua_version",
    "$device",
    # coarse location and ordinary analytics properties (decision: not flagged)
    "zip_code", "postal_code", "plz", "postleitzahl", "country", "city", "Wohnort",
    "region", "timezone", "language", "locale", "browser", "os", "device_type", "location",
    "$os", "$browser", "$city", "$region", "mp_country_code", "country_code", "$referrer",
    "$current_url", "utm_source", "page_title", "title",
    # identifiers that are not direct identifiers
    "user_id", "account_id", "distinct_id", "$distinct_id", "$device_id", "device_id",
    "order_id", "session_id", "id",
    # other
    "amount", "currency", "plan", "age", "gender", "birth_year", "fingerprint",
    "cert_fingerprint", "cell", "long", "pin", "token", "diagnostics",
    "diagnostic", "health", "health_check", "union", "race", "race_condition", "party",
    "disabled", "is_disabled", "anniversary",
]  # fmt: skip


@pytest.mark.parametrize("key", TRAPS)
def test_not_personal_key(vocab: Vocabulary, key: str) -> None:
    match = vocab.match_key(key)
    assert match is None, match.explain() if match else ""


@pytest.mark.parametrize(
    "key", ["has_disability", "has_criminal_record", "blood_type", "hiv_status", "is_pregnant"]
)
def test_clearing_words_never_clear_special_categories(vocab: Vocabulary, key: str) -> None:
    match = vocab.match_key(key)
    assert match is not None and match.category.special


def test_special_category_wins_over_personal_data(vocab: Vocabulary) -> None:
    for key in ("patient_email_diagnosis", "user_phone_religion", "name_and_ethnicity"):
        match = vocab.match_key(key)
        assert match is not None and match.category.special, key


def test_longest_match_wins(vocab: Vocabulary) -> None:
    assert category_of(vocab, "email_address") == "email"
    assert category_of(vocab, "ip_address") == "ip_address"
    assert category_of(vocab, "mac_address") == "device_ad_id"
    assert category_of(vocab, "billing_address") == "postal_address"
    assert category_of(vocab, "nombre_de_usuario") == "username"


# --- names read in values (MX102) ---------------------------------------------------


@pytest.mark.parametrize(
    ("name", "owner", "category"),
    [
        ("email", "user", "email"),
        ("email", "form", "email"),
        ("email", None, "email"),
        ("name", "user", "person_name"),
        ("name", "current_user", "person_name"),
        ("name", "self.customer", "person_name"),
        ("name", "request.user", "person_name"),
        ("name", "profile", "person_name"),
        ("name", "kunde", "person_name"),
        ("Name", "Nutzer", "person_name"),
        ("nombre", "usuario", "person_name"),
        ("nom", "utilisateur", "person_name"),
        ("naam", "klant", "person_name"),
        ("first_name", "plan", "person_name"),
        ("get_full_name", "user", "person_name"),
        ("getFullName", "user", "person_name"),
        ("get_email", "account", "email"),
        ("getEmail", None, "email"),
        ("phone", "cleaned_data", "phone"),
        ("REMOTE_ADDR", "META", "ip_address"),
        ("remote_addr", "request", "ip_address"),
        ("HTTP_X_FORWARDED_FOR", "META", "ip_address"),
        ("HTTP_X_REAL_IP", "META", "ip_address"),
        ("photo", "user", "photo"),
        ("diagnosis", "record", "health"),
        ("get_username", "user", "username"),
        ("username", "repo", "username"),
        ("login", "user", "username"),
        ("login", "sender", "username"),
        ("login", None, "username"),
        ("login", "data", "username"),
        ("handle", "member", "username"),
        ("full_name", "user", "person_name"),
        ("full_name", "owner", "person_name"),
        ("full_name", "repo_owner", "person_name"),
        ("full_name", None, "person_name"),
        ("display_name", "author", "username"),
        ("User-Agent", "headers", "user_agent"),
        ("HTTP_USER_AGENT", "META", "user_agent"),
        ("user_agent", "request", "user_agent"),
    ],
)
def test_personal_name(vocab: Vocabulary, name: str, owner: str | None, category: str) -> None:
    match = vocab.match_name(name, owner)
    assert match is not None, (name, owner)
    assert match.category.id == category
    assert match.source == name


@pytest.mark.parametrize(
    ("name", "owner"),
    [
        ("name", "plan"),
        ("name", "product"),
        ("name", "event"),
        ("name", "file"),
        ("name", None),
        ("name", "self"),
        ("image", "product"),
        ("email_verified", "user"),
        ("email_domain", "user"),
        ("has_phone", "user"),
        ("id", "user"),
        ("pk", "user"),
        ("date_joined", "user"),
        ("last_login", "user"),
        ("get", "request"),
        ("host", "client"),
        ("token", "settings"),
        ("get_name", "plan"),
        ("full_name", "repo"),
        ("full_name", "repository"),
        ("full_name", "user_repo"),
        ("full_name", "project"),
        ("login", "org"),
        ("login", "organization"),
        ("handle", "file"),
        ("display_name", "channel"),
        ("display_name", "workspace"),
        ("handle", "github_team"),
        ("browser", "user_agent"),
        ("family", "browser"),
    ],
)
def test_not_personal_name(vocab: Vocabulary, name: str, owner: str | None) -> None:
    match = vocab.match_name(name, owner)
    assert match is None, match.explain() if match else ""


def test_contextual_word_as_a_called_method_is_a_verb(vocab: Vocabulary) -> None:
    # self.handle(event), auth.login(request): verbs; get_login() reads one.
    assert vocab.match_name("handle", "self", called=True) is None
    assert vocab.match_name("login", "auth", called=True) is None
    match = vocab.match_name("get_login", "account", called=True)
    assert match is not None and match.category.id == "username" and match.contextual
    # Unambiguous words are read by any method: customer.email_address().
    assert vocab.match_name("email_address", "customer", called=True) is not None


def test_contextual_match_is_marked(vocab: Vocabulary) -> None:
    full = vocab.match_key("full_name")
    assert full is not None and full.contextual
    assert full.explain() == "'full_name' matched 'full name' (person's name, en)"
    first = vocab.match_key("first_name")
    assert first is not None and not first.contextual


def test_is_thing_word(vocab: Vocabulary) -> None:
    for word in ("repo", "repository", "github_org", "Projekt", "workspace", "user_repo"):
        assert vocab.is_thing_word(word), word
    for word in ("user", "repo_owner", "self", "data", ""):
        assert not vocab.is_thing_word(word), word


def test_is_person_word(vocab: Vocabulary) -> None:
    for word in ("user", "users", "current_user", "Kunde", "kunden", "klant", "account_holder"):
        assert vocab.is_person_word(word), word
    for word in ("plan", "product", "client", "event", "consumer", "request", ""):
        assert not vocab.is_person_word(word), word


# --- explanation --------------------------------------------------------------------


def test_explain_names_word_category_and_language(vocab: Vocabulary) -> None:
    match = vocab.match_key("Geburtsdatum")
    assert match is not None
    assert match.explain() == "'Geburtsdatum' matched 'geburtsdatum' (birth date, de)"
    assert (match.word, match.language, match.source) == ("geburtsdatum", "de", "Geburtsdatum")


def test_explain_compound_names_its_head(vocab: Vocabulary) -> None:
    match = vocab.match_key("Rechnungsadresse")
    assert match is not None
    assert match.explain() == "'Rechnungsadresse' matched 'adresse' (postal address, de)"


def test_word_match_is_frozen() -> None:
    category = Category("email", "e-mail address", special=False, direct_identifier=True)
    match = WordMatch(category, "email", "en", "userEmail")
    with pytest.raises(AttributeError):
        match.word = "other"  # type: ignore[misc]


# --- configuration --------------------------------------------------------------------


def test_extra_words() -> None:
    vocab = Vocabulary.load(extra_words={"postal_address": ["zip", "PLZ"], "health": ["Kur"]})
    match = vocab.match_key("zip_code")
    assert match is not None and match.category.id == "postal_address"
    assert match.explain() == "'zip_code' matched 'zip' (postal address, config)"
    assert category_of(vocab, "plz") == "postal_address"
    assert category_of(vocab, "kur") == "health"
    assert category_of(vocab, "email") == "email"


def test_extra_words_unknown_category() -> None:
    with pytest.raises(ValueError, match="'shoe_size'"):
        Vocabulary.load(extra_words={"shoe_size": ["shoe"]})


def test_allow_keys_after_normalisation() -> None:
    vocab = Vocabulary.load(allow_keys=["contact_email", "Billing-Address"])
    assert vocab.match_key("contact_email") is None
    assert vocab.match_key("contactEmail") is None
    assert vocab.match_key("billing_address") is None
    assert vocab.match_key("email") is not None


def test_load_without_arguments_is_independent_of_configured_loads() -> None:
    Vocabulary.load(extra_words={"email": ["zip"]}, allow_keys=["email"])
    vocab = Vocabulary.load()
    assert vocab.match_key("zip") is None
    assert vocab.match_key("email") is not None


def test_results_are_cached(vocab: Vocabulary) -> None:
    assert vocab.match_key("userEmail") is vocab.match_key("userEmail")
    assert vocab.match_name("name", "user") is vocab.match_name("name", "user")


@pytest.mark.parametrize(
    ("key", "category"),
    [
        ("Telefonnummern", "phone"),
        ("Kundentelefonnummern", "phone"),
        ("Rechnungsadressen", "postal_address"),
        ("Nachnamen", "person_name"),
        ("Regionen", None),
        ("Dateinamen", None),
        ("Produktnamen", None),
        ("Kampagnen", None),
        ("session", None),
    ],
)
def test_german_plurals_in_n(vocab: Vocabulary, key: str, category: str | None) -> None:
    assert category_of(vocab, key) == category
