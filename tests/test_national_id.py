"""Resident identity numbers: the check digit, every refusal, masking and the vault (no database)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import date

import pytest

from services.registry import national_id
from services.registry.national_id import IdVault, NationalId, NationalIdError, check_digit, mask, parse

TODAY = date(2026, 11, 28)


def make(place: str = "610924", born: str = "19800115", sequence: str = "123") -> str:
    first17 = place + born + sequence
    return first17 + check_digit(first17)


@pytest.mark.parametrize(
    ("first17", "expected"),
    [
        ("11010519491231002", "X"),  # the standard's own example
        ("44052419800101001", "3"),  # weighted sum 196, 196 mod 11 = 9
        ("61092419800115123", "1"),  # weighted sum 253, 253 mod 11 = 0
    ],
)
def test_check_digit_is_iso_7064_mod_11_2(first17: str, expected: str) -> None:
    assert check_digit(first17) == expected
    weights = [pow(2, 17 - i, 11) for i in range(17)]  # the MOD 11-2 weights, 2^(18-i) mod 11
    assert tuple(weights) == national_id.WEIGHTS
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    assert expected == "10X98765432"[total % 11]


def test_every_check_character_occurs() -> None:
    seen = {check_digit(f"610924198001{day:02d}{seq:03d}") for day in range(1, 29) for seq in range(40)}
    assert seen == set("0123456789X")


@pytest.mark.parametrize(
    "bad", ["1234", "6109241980011512", "61092419800115123A", "６１０９２４１９８００１１５１２３４"]
)
def test_check_digit_needs_17_ascii_digits(bad: str) -> None:
    with pytest.raises(ValueError, match="17 digits"):
        check_digit(bad)


def test_a_valid_number_gives_its_birth_date_and_sex() -> None:
    man, woman = make(sequence="123"), make(sequence="124")
    assert parse(man, today=TODAY) == NationalId(man, date(1980, 1, 15), "male")
    assert parse(woman, today=TODAY) == NationalId(woman, date(1980, 1, 15), "female")
    assert parse("11010519491231002X", today=TODAY) == NationalId(
        "11010519491231002X", date(1949, 12, 31), "female"
    )


def test_spaces_are_dropped_and_a_trailing_x_made_upper_case() -> None:
    assert parse("11010519491231002x", today=TODAY).number == "11010519491231002X"
    assert parse(" 110105 19491231 002x ", today=TODAY).number == "11010519491231002X"
    assert parse("110105\u300019491231\t002X\xa0", today=TODAY).number == "11010519491231002X"


@pytest.mark.parametrize(
    ("raw", "code", "message"),
    [
        ("", "id_length", "18 characters, not 0"),
        ("61092419800115123", "id_length", "18 characters, not 17"),
        (make() + "1", "id_length", "18 characters, not 19"),
        ("6109241980011512A4", "id_characters", "17 digits"),
        ("X10924198001151234", "id_characters", "17 digits"),
        ("61092419800115123x".replace("x", "Y"), "id_characters", "17 digits"),
        ("６１０９２４１９８００１１５１２３４", "id_characters", "17 digits"),  # full-width digits
        ("1101051949123100" + "2" + "1", "id_check_digit", "The check digit should be X, not 1"),
        (make(born="19800230"), "id_birth_date", "not 19800230"),
        (make(born="19801301"), "id_birth_date", "not 19801301"),
        (make(born="00000000"), "id_birth_date", "not 00000000"),
        (make(born="18991231"), "id_birth_date", "before 1900-01-01"),
        (make(born="20261129"), "id_birth_date", "in the future"),
    ],
)
def test_every_refusal_has_a_stable_code_and_a_clear_message(raw: str, code: str, message: str) -> None:
    with pytest.raises(NationalIdError, match=message) as caught:
        parse(raw, today=TODAY)
    assert caught.value.code == code
    assert isinstance(caught.value, ValueError)


def test_wrong_check_digit_names_the_right_one() -> None:
    number = make()
    wrong = "7" if number[17] != "7" else "8"
    with pytest.raises(NationalIdError) as caught:
        parse(number[:17] + wrong, today=TODAY)
    assert (caught.value.code, str(caught.value)) == (
        "id_check_digit",
        f"The check digit should be {number[17]}, not {wrong}",
    )


def test_the_limits_of_the_birth_date_are_allowed() -> None:
    assert parse(make(born="19000101"), today=TODAY).birth_date == date(1900, 1, 1)
    assert parse(make(born="20261128"), today=TODAY).birth_date == TODAY
    assert parse(make(born="20000229"), today=TODAY).birth_date == date(2000, 2, 29)
    with pytest.raises(NationalIdError):
        parse(make(born="19000229"), today=TODAY)  # 1900 was not a leap year


def test_today_defaults_to_the_real_date() -> None:
    with pytest.raises(NationalIdError) as caught:
        parse(make(born=f"{date.today().year + 1}0101"))
    assert caught.value.code == "id_birth_date"


def test_a_given_birth_date_and_sex_must_agree() -> None:
    number = make(sequence="123")
    assert parse(number, birth_date=date(1980, 1, 15), sex="male", today=TODAY).sex == "male"
    with pytest.raises(NationalIdError, match="1980-01-15, not on 1980-01-16") as caught:
        parse(number, birth_date=date(1980, 1, 16), today=TODAY)
    assert caught.value.code == "id_birth_date_mismatch"
    with pytest.raises(NationalIdError, match="male person's") as caught:
        parse(number, sex="female", today=TODAY)
    assert caught.value.code == "id_sex_mismatch"
    with pytest.raises(NationalIdError) as caught:
        parse(make(sequence="124"), sex="male", today=TODAY)
    assert caught.value.code == "id_sex_mismatch"


def test_an_enum_sex_is_compared_by_value() -> None:
    from services.registry.codes import Sex

    assert parse(make(sequence="123"), sex=Sex.male, today=TODAY).sex == "male"
    with pytest.raises(NationalIdError):
        parse(make(sequence="123"), sex=Sex.female, today=TODAY)


def test_mask_keeps_the_place_and_the_last_four() -> None:
    assert mask("610924198001151234") == "610924********1234"
    assert mask("11010519491231002X") == "110105********002X"
    assert len(mask(make())) == 18


# The vault


@pytest.fixture(scope="module")
def vault() -> IdVault:
    return IdVault(bytes(range(32)))


def test_encryption_round_trips_with_a_fresh_nonce_each_time(vault: IdVault) -> None:
    number = "11010519491231002X"
    first, second = vault.encrypt(number), vault.encrypt(number)
    assert first != second and first[:12] != second[:12]
    assert len(first) == 12 + 18 + 16
    assert number.encode() not in first
    assert vault.decrypt(first) == vault.decrypt(second) == number
    assert vault.decrypt(bytearray(first)) == number


def test_altered_or_foreign_ciphertexts_are_refused(vault: IdVault) -> None:
    blob = vault.encrypt("11010519491231002X")
    for position in (0, 11, 12, len(blob) - 1):  # the nonce, the ciphertext and the tag
        altered = bytearray(blob)
        altered[position] ^= 1
        with pytest.raises(ValueError, match="cannot be decrypted"):
            vault.decrypt(bytes(altered))
    with pytest.raises(ValueError, match="too short"):
        vault.decrypt(blob[:20])
    with pytest.raises(ValueError, match="cannot be decrypted"):
        IdVault(bytes(32)).decrypt(blob)


def test_the_ciphertext_is_bound_to_its_associated_data(vault: IdVault) -> None:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    key = national_id._derive(bytes(range(32)), b"fangpin national id encryption")
    nonce = bytes(12)
    sealed = AESGCM(key).encrypt(nonce, b"11010519491231002X", b"something else")
    with pytest.raises(ValueError):
        vault.decrypt(nonce + sealed)
    good = AESGCM(key).encrypt(nonce, b"11010519491231002X", b"national_id")
    assert vault.decrypt(nonce + good) == "11010519491231002X"


def test_the_blind_index_is_a_deterministic_hmac_of_the_normalised_number(vault: IdVault) -> None:
    number = "11010519491231002X"
    index = vault.blind_index(number)
    assert len(index) == 32 and index == vault.blind_index(number) == IdVault(bytes(range(32))).blind_index(
        number
    )
    assert vault.blind_index(" 110105 19491231 002x") == index
    assert vault.blind_index(make()) != index
    index_key = national_id._derive(bytes(range(32)), b"fangpin national id index")
    assert index == hmac.new(index_key, number.encode(), hashlib.sha256).digest()


def test_the_sub_keys_are_independent_of_each_other_and_of_the_master_key() -> None:
    master = bytes(range(32))
    encryption = national_id._derive(master, b"fangpin national id encryption")
    index = national_id._derive(master, b"fangpin national id index")
    assert len({master, encryption, index}) == 3
    number = "11010519491231002X"
    assert IdVault(master).blind_index(number) != hmac.new(master, number.encode(), hashlib.sha256).digest()
    assert IdVault(master).blind_index(number) != IdVault(bytes(32)).blind_index(number)


def test_settings_accept_standard_and_url_safe_base64_of_32_bytes() -> None:
    key = bytes([0xFB, 0xFF] * 16)  # encodes with + and / (standard) or - and _ (URL-safe)
    number = "11010519491231002X"
    expected = IdVault(key).blind_index(number)
    standard, urlsafe = base64.b64encode(key).decode(), base64.urlsafe_b64encode(key).decode()
    assert "/" in standard and "_" in urlsafe
    for setting in (standard, urlsafe, urlsafe.rstrip("="), f"  {standard}\n"):
        assert IdVault.from_setting(setting).blind_index(number) == expected


def test_generated_settings_are_new_random_valid_keys() -> None:
    first, second = IdVault.generate_setting(), IdVault.generate_setting()
    assert first != second and len(base64.b64decode(first)) == 32
    vault = IdVault.from_setting(first)
    assert vault.decrypt(vault.encrypt("11010519491231002X")) == "11010519491231002X"


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("", "not 0 bytes"),
        ("CHANGE-ME", "must be base64 of 32 random bytes"),
        ("not base64 at all!", "must be base64 of 32 random bytes"),
        (base64.b64encode(bytes(16)).decode(), "not 16 bytes"),
        (base64.b64encode(bytes(33)).decode(), "not 33 bytes"),
    ],
)
def test_bad_settings_are_refused_with_a_helpful_message(setting: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        IdVault.from_setting(setting)
    assert "FANGPIN_REGISTRY_NATIONAL_ID_KEY" in str(caught.value)
    assert "generate_setting" in str(caught.value)


@pytest.mark.parametrize("key", [bytes(31), bytes(33), "x" * 32])
def test_a_master_key_must_be_32_bytes(key) -> None:  # noqa: ANN001
    with pytest.raises(ValueError, match="32 bytes"):
        IdVault(key)
