from tests.support.cli import CliFn


def test_create_and_show(cli: CliFn, make_account) -> None:
    acct = make_account("acme")
    result = cli("account", "show", "acme", "--json")
    assert result.exit_code == 0
    assert result.json["id"] == acct["id"]
