--
-- PostgreSQL database dump
--

\restrict yGpjX3wAREBHPNPexiFi9sbhA5kBdkwlvcKIFeZDZ37XevxfppWxnCLgaYhgPhU

-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: accounts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.accounts (
    id character varying(32) NOT NULL,
    username character varying(32) NOT NULL,
    company_name character varying(128) NOT NULL,
    industry character varying(32) NOT NULL,
    region character varying(64) NOT NULL,
    description character varying(500) NOT NULL,
    contact_name character varying(64) NOT NULL,
    email character varying(254) NOT NULL,
    phone character varying(20) NOT NULL,
    password_hash character varying(255),
    realname_status character varying(16) NOT NULL,
    arbitrary_settlement boolean NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);


--
-- Name: alembic_version; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.alembic_version (
    version_num character varying(32) NOT NULL
);


--
-- Name: api_tokens; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.api_tokens (
    id character varying(32) NOT NULL,
    name character varying(64) NOT NULL,
    role character varying(16) NOT NULL,
    account_id character varying(32),
    scopes character varying(255) NOT NULL,
    prefix character varying(16) NOT NULL,
    token_hash character varying(64) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    created_by character varying(128) NOT NULL,
    expires_at timestamp with time zone,
    revoked_at timestamp with time zone
);


--
-- Name: audit_events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.audit_events (
    id integer NOT NULL,
    at timestamp with time zone NOT NULL,
    actor character varying(128) NOT NULL,
    actor_role character varying(16) NOT NULL,
    action character varying(64) NOT NULL,
    target character varying(128) NOT NULL,
    account_id character varying(32),
    before text NOT NULL,
    after text NOT NULL,
    request_id character varying(64),
    ci_run character varying(128),
    prev_hash character varying(64) NOT NULL,
    hash character varying(64) NOT NULL
);


--
-- Name: audit_events_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.audit_events_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: audit_events_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.audit_events_id_seq OWNED BY public.audit_events.id;


--
-- Name: change_requests; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.change_requests (
    id character varying(32) NOT NULL,
    account_id character varying(32) NOT NULL,
    kind character varying(8) NOT NULL,
    state character varying(32) NOT NULL,
    current_address character varying(254) NOT NULL,
    new_address character varying(254),
    code_hash character varying(64),
    code_target character varying(8),
    expires_at timestamp with time zone,
    attempts integer NOT NULL,
    sends integer NOT NULL,
    last_sent_at timestamp with time zone,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    finished_at timestamp with time zone
);


--
-- Name: cloud_accounts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.cloud_accounts (
    id character varying(32) NOT NULL,
    account_id character varying(32) NOT NULL,
    provider character varying(16) NOT NULL,
    provider_account_id character varying(64) NOT NULL,
    instance_id character varying(128),
    status character varying(16) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    unsubscribed_at timestamp with time zone
);


--
-- Name: invoice_addresses; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.invoice_addresses (
    id character varying(32) NOT NULL,
    account_id character varying(32) NOT NULL,
    recipient character varying(64) NOT NULL,
    phone character varying(20) NOT NULL,
    email character varying(254) NOT NULL,
    address character varying(256) NOT NULL,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: invoice_requests; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.invoice_requests (
    id character varying(32) NOT NULL,
    account_id character varying(32) NOT NULL,
    title_id character varying(32) NOT NULL,
    address_id character varying(32) NOT NULL,
    amount_cents bigint NOT NULL,
    status character varying(16) NOT NULL,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: invoice_titles; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.invoice_titles (
    id character varying(32) NOT NULL,
    account_id character varying(32) NOT NULL,
    type character varying(32) NOT NULL,
    title character varying(128) NOT NULL,
    tax_id character varying(18),
    bank_name character varying(128),
    bank_account character varying(40),
    address character varying(256),
    phone character varying(32),
    created_at timestamp with time zone NOT NULL
);


--
-- Name: login_codes; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.login_codes (
    id character varying(32) NOT NULL,
    account_id character varying(32) NOT NULL,
    channel character varying(8) NOT NULL,
    address character varying(254) NOT NULL,
    code_hash character varying(64),
    expires_at timestamp with time zone NOT NULL,
    sends integer NOT NULL,
    attempts integer NOT NULL,
    last_sent_at timestamp with time zone NOT NULL,
    created_at timestamp with time zone NOT NULL,
    used_at timestamp with time zone
);


--
-- Name: login_failures; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.login_failures (
    id integer NOT NULL,
    account_id character varying(32) NOT NULL,
    at timestamp with time zone NOT NULL
);


--
-- Name: login_failures_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.login_failures_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: login_failures_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.login_failures_id_seq OWNED BY public.login_failures.id;


--
-- Name: password_attempts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.password_attempts (
    id integer NOT NULL,
    account_id character varying(32) NOT NULL,
    at timestamp with time zone NOT NULL
);


--
-- Name: password_attempts_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.password_attempts_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: password_attempts_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.password_attempts_id_seq OWNED BY public.password_attempts.id;


--
-- Name: password_resets; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.password_resets (
    id character varying(32) NOT NULL,
    account_id character varying(32) NOT NULL,
    via character varying(8) NOT NULL,
    address character varying(254) NOT NULL,
    state character varying(16) NOT NULL,
    code_hash character varying(64),
    expires_at timestamp with time zone,
    attempts integer NOT NULL,
    sends integer NOT NULL,
    last_sent_at timestamp with time zone,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    finished_at timestamp with time zone
);


--
-- Name: realname_submissions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.realname_submissions (
    id character varying(32) NOT NULL,
    account_id character varying(32) NOT NULL,
    revision integer NOT NULL,
    type character varying(16) NOT NULL,
    name character varying(128) NOT NULL,
    tax_id character varying(18),
    id_number character varying(18),
    status character varying(16) NOT NULL,
    reason character varying(500),
    license_name character varying(255),
    license_size integer,
    license_sha256 character varying(64),
    license_path character varying(1024),
    submitted_at timestamp with time zone NOT NULL,
    reviewed_at timestamp with time zone,
    reviewed_by character varying(128)
);


--
-- Name: store_secrets; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.store_secrets (
    name character varying(64) NOT NULL,
    value character varying(128) NOT NULL,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: workspaces; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.workspaces (
    id character varying(64) NOT NULL,
    account_id character varying(32) NOT NULL,
    name character varying(128) NOT NULL,
    site character varying(8) NOT NULL,
    settlement character varying(16) NOT NULL,
    cloud_account_id character varying(32),
    settlement_changed_at timestamp with time zone,
    countdown_started_at timestamp with time zone,
    dissolved_at timestamp with time zone,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);


--
-- Name: audit_events id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_events ALTER COLUMN id SET DEFAULT nextval('public.audit_events_id_seq'::regclass);


--
-- Name: login_failures id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.login_failures ALTER COLUMN id SET DEFAULT nextval('public.login_failures_id_seq'::regclass);


--
-- Name: password_attempts id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.password_attempts ALTER COLUMN id SET DEFAULT nextval('public.password_attempts_id_seq'::regclass);


--
-- Data for Name: accounts; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.accounts VALUES ('acc_d8ee23740a70', 'globex', 'Globex Ltd', 'other', 'Hangzhou', '', '', 'ops@globex.com', '+8613800138001', NULL, 'unverified', false, '2026-12-06 04:37:40.334165+00', '2026-12-06 04:37:40.334165+00');
INSERT INTO public.accounts VALUES ('acc_cc14c9f08434', 'initech', 'Initech Ltd', 'other', 'Hangzhou', '', '', 'ops@initech.com', '+8613800138002', NULL, 'unverified', false, '2026-12-06 04:37:42.986645+00', '2026-12-06 04:37:42.986645+00');
INSERT INTO public.accounts VALUES ('acc_026b943793da', 'acme', 'Acme Ltd', 'other', 'Hangzhou', 'first customer', '', 'ops@acme.com', '+8613800138000', '$argon2id$v=19$m=65536,t=3,p=4$uzLVdiIquKtHjFPpbHDwVg$q32lUOKzAI+53LMp3jf/fyZsP1y/qn9gnGE5vHDR458', 'approved', false, '2026-12-06 04:37:37.477093+00', '2026-12-06 04:37:53.203222+00');


--
-- Data for Name: alembic_version; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.alembic_version VALUES ('0005');


--
-- Data for Name: api_tokens; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.api_tokens VALUES ('tok_bbe366d53b9b', 'ci-bind', 'owner', 'acc_026b943793da', 'bindings', 'gbt_xGpS5x', '3e8dd71e849ff3c02d84eed4936efcbcbe5f1d3ad727be2ecef9bc3882808a4e', '2026-12-06 04:38:34.328346+00', 'local:root', NULL, NULL);


--
-- Data for Name: audit_events; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.audit_events VALUES (1, '2026-12-06 04:37:37.531802+00', 'local:root', 'support', 'account.create', 'acc_026b943793da', 'acc_026b943793da', '{}', '{"arbitrary_settlement": false, "company_name": "Acme Ltd", "contact_name": "", "description": "", "email": "ops@acme.com", "has_password": true, "id": "acc_026b943793da", "industry": "other", "phone": "+8613800138000", "realname_status": "unverified", "region": "Hangzhou", "username": "acme"}', NULL, NULL, '0000000000000000000000000000000000000000000000000000000000000000', '72512ac7872e55afa122cc46eb7b1d4f4c2f1044c2288c8338281c9895d02e20');
INSERT INTO public.audit_events VALUES (2, '2026-12-06 04:37:40.394802+00', 'local:root', 'support', 'account.create', 'acc_d8ee23740a70', 'acc_d8ee23740a70', '{}', '{"arbitrary_settlement": false, "company_name": "Globex Ltd", "contact_name": "", "description": "", "email": "ops@globex.com", "has_password": false, "id": "acc_d8ee23740a70", "industry": "other", "phone": "+8613800138001", "realname_status": "unverified", "region": "Hangzhou", "username": "globex"}', NULL, NULL, '72512ac7872e55afa122cc46eb7b1d4f4c2f1044c2288c8338281c9895d02e20', '415ab04351f11477ee3582dd46e7ef0d649a3672bd52118964b4e8a5f89ce837');
INSERT INTO public.audit_events VALUES (3, '2026-12-06 04:37:43.023466+00', 'local:root', 'support', 'account.create', 'acc_cc14c9f08434', 'acc_cc14c9f08434', '{}', '{"arbitrary_settlement": false, "company_name": "Initech Ltd", "contact_name": "", "description": "", "email": "ops@initech.com", "has_password": false, "id": "acc_cc14c9f08434", "industry": "other", "phone": "+8613800138002", "realname_status": "unverified", "region": "Hangzhou", "username": "initech"}', NULL, NULL, '415ab04351f11477ee3582dd46e7ef0d649a3672bd52118964b4e8a5f89ce837', 'e0618de014aa0009b9e5e26817f9535e380c9762a0d876ab47cd4d9abf06af93');
INSERT INTO public.audit_events VALUES (4, '2026-12-06 04:37:45.081995+00', 'local:root', 'support', 'profile.update', 'acc_026b943793da', 'acc_026b943793da', '{"description": ""}', '{"description": "first customer"}', NULL, NULL, 'e0618de014aa0009b9e5e26817f9535e380c9762a0d876ab47cd4d9abf06af93', '832acb683dc5d15d5f8a7f7beab71d9b88b38225b02d91e054b084f9d6a69062');
INSERT INTO public.audit_events VALUES (5, '2026-12-06 04:37:47.044479+00', 'local:root', 'support', 'email.change.start', 'chg_2240eb0ab87e', 'acc_026b943793da', '{}', '{"attempts_left": 5, "new_address": "b***@acme.com", "sent_to": "o***@acme.com", "state": "awaiting_current_code"}', NULL, NULL, '832acb683dc5d15d5f8a7f7beab71d9b88b38225b02d91e054b084f9d6a69062', '95a8bfac35a5dac3b07d67d20033955d315c0d526d0fc5dc52a59b62e8630327');
INSERT INTO public.audit_events VALUES (6, '2026-12-06 04:37:49.002452+00', 'local:root', 'support', 'phone.change.start', 'chg_5961b267cfd1', 'acc_d8ee23740a70', '{}', '{"attempts_left": 5, "new_address": "+86 139****9000", "sent_to": "+86 138****8001", "state": "awaiting_current_code"}', NULL, NULL, '95a8bfac35a5dac3b07d67d20033955d315c0d526d0fc5dc52a59b62e8630327', 'c10c81c71e223ea9c51afdb3cf875485b9ecf3bb30bd7eae2af279a9e95a3e61');
INSERT INTO public.audit_events VALUES (7, '2026-12-06 04:37:51.107017+00', 'local:root', 'support', 'realname.submit', 'acc_026b943793da', 'acc_026b943793da', '{"status": "unverified"}', '{"id_number": null, "license_sha256": null, "name": "Acme Ltd", "reason": null, "revision": 1, "status": "pending", "tax_id": "91350100M000100Y43", "type": "enterprise"}', NULL, NULL, 'c10c81c71e223ea9c51afdb3cf875485b9ecf3bb30bd7eae2af279a9e95a3e61', '865bcbf61bc0a036a441f8a0ea4ac901514ac6a5daf0289a11d5498f26413846');
INSERT INTO public.audit_events VALUES (8, '2026-12-06 04:37:53.246733+00', 'local:root', 'support', 'realname.approve', 'acc_026b943793da', 'acc_026b943793da', '{"status": "pending"}', '{"status": "approved"}', NULL, NULL, '865bcbf61bc0a036a441f8a0ea4ac901514ac6a5daf0289a11d5498f26413846', '9a0d397c4232d8127cbb56e96503a12d809f12d0d120aa260440e19108abfa84');
INSERT INTO public.audit_events VALUES (9, '2026-12-06 04:37:56.165023+00', 'local:root', 'support', 'invoice.title_add', 'ttl_d7cea1e2e804', 'acc_026b943793da', '{}', '{"address": null, "bank_account": null, "bank_name": null, "phone": null, "tax_id": "91350100M000100Y43", "title": "Acme Ltd", "type": "vat_ordinary"}', NULL, NULL, '9a0d397c4232d8127cbb56e96503a12d809f12d0d120aa260440e19108abfa84', '64314cf5330a46f614691356e46559df12efc738ebdb115c88f08a60971c07e1');
INSERT INTO public.audit_events VALUES (10, '2026-12-06 04:37:59.370858+00', 'local:root', 'support', 'invoice.address_add', 'adr_25b590bffa7f', 'acc_026b943793da', '{}', '{"address": "1 West Lake Road, Hangzhou", "email": "ap@acme.com", "phone": "+8613800138000", "recipient": "Li Lei"}', NULL, NULL, '64314cf5330a46f614691356e46559df12efc738ebdb115c88f08a60971c07e1', '120240d2fbefde11ffb364aef69f3cb40275a143f8fac79dc38f18c1384e6012');
INSERT INTO public.audit_events VALUES (11, '2026-12-06 04:38:02.306463+00', 'local:root', 'support', 'invoice.request', 'inv_168de00bbe07', 'acc_026b943793da', '{}', '{"address_id": "adr_25b590bffa7f", "amount": "1234.50", "status": "pending", "title_id": "ttl_d7cea1e2e804"}', NULL, NULL, '120240d2fbefde11ffb364aef69f3cb40275a143f8fac79dc38f18c1384e6012', '03cfd931a7e6ec2092206680416bb65df543352b75d5df0c4379e623cebf1b1e');
INSERT INTO public.audit_events VALUES (12, '2026-12-06 04:38:04.843292+00', 'local:root', 'support', 'cloud.add', 'cld_c41666d26b40', 'acc_026b943793da', '{}', '{"account_id": "1234567890123456", "instance_id": "inst-001", "provider": "aliyun", "status": "subscribed"}', NULL, NULL, '03cfd931a7e6ec2092206680416bb65df543352b75d5df0c4379e623cebf1b1e', 'a61a310b01b7844f772ffe10c52093e80dd986eb6b227f6e3415577d7583849f');
INSERT INTO public.audit_events VALUES (13, '2026-12-06 04:38:07.525042+00', 'local:root', 'support', 'cloud.add', 'cld_645da7255909', 'acc_d8ee23740a70', '{}', '{"account_id": "123456789012", "instance_id": null, "provider": "aws", "status": "subscribed"}', NULL, NULL, 'a61a310b01b7844f772ffe10c52093e80dd986eb6b227f6e3415577d7583849f', '0e88c5d1b83cf67673eb54717002e182bb90aa67ef1dcc927d88003b98a49558');
INSERT INTO public.audit_events VALUES (14, '2026-12-06 04:38:10.335706+00', 'local:root', 'support', 'workspace.add', 'ws_acme_0', 'acc_026b943793da', '{}', '{"name": "Acme 0", "settlement": "billing_center", "site": "cn1"}', NULL, NULL, '0e88c5d1b83cf67673eb54717002e182bb90aa67ef1dcc927d88003b98a49558', '40ffb12ee5f990f4e8102d67246220b9b8ee2e0885147a3f53f0a5a918932fb2');
INSERT INTO public.audit_events VALUES (15, '2026-12-06 04:38:13.216937+00', 'local:root', 'support', 'workspace.add', 'ws_acme_1', 'acc_026b943793da', '{}', '{"name": "Acme 1", "settlement": "billing_center", "site": "cn1"}', NULL, NULL, '40ffb12ee5f990f4e8102d67246220b9b8ee2e0885147a3f53f0a5a918932fb2', '8206a14edab205d22dcbef496385848e969926bb936e8dade73f8790c51e616c');
INSERT INTO public.audit_events VALUES (16, '2026-12-06 04:38:15.747834+00', 'local:root', 'support', 'workspace.add', 'ws_acme_2', 'acc_026b943793da', '{}', '{"name": "Acme 2", "settlement": "billing_center", "site": "cn1"}', NULL, NULL, '8206a14edab205d22dcbef496385848e969926bb936e8dade73f8790c51e616c', '9e1461d43b9b6a7c553aa9bce88136273ae33b2a3f7278cc6e7dd3615d021c4c');
INSERT INTO public.audit_events VALUES (17, '2026-12-06 04:38:18.194106+00', 'local:root', 'support', 'workspace.add', 'ws_acme_3', 'acc_026b943793da', '{}', '{"name": "Acme 3", "settlement": "billing_center", "site": "cn1"}', NULL, NULL, '9e1461d43b9b6a7c553aa9bce88136273ae33b2a3f7278cc6e7dd3615d021c4c', '5da6fed938d1ff216cd439a426ed09fbd0ba4caa4209f23c153c462fecd50702');
INSERT INTO public.audit_events VALUES (18, '2026-12-06 04:38:20.501142+00', 'local:root', 'support', 'workspace.add', 'ws_acme_4', 'acc_026b943793da', '{}', '{"name": "Acme 4", "settlement": "billing_center", "site": "cn1"}', NULL, NULL, '5da6fed938d1ff216cd439a426ed09fbd0ba4caa4209f23c153c462fecd50702', '2e1a55480ff048506a451201f88ea3eb0fbfc06cb309e7ce44c050e8f1f8d4d6');
INSERT INTO public.audit_events VALUES (19, '2026-12-06 04:38:23.546833+00', 'local:root', 'support', 'workspace.add', 'ws_acme_5', 'acc_026b943793da', '{}', '{"name": "Acme 5", "settlement": "billing_center", "site": "cn1"}', NULL, NULL, '2e1a55480ff048506a451201f88ea3eb0fbfc06cb309e7ce44c050e8f1f8d4d6', '9fb39fd784735f78f74a5b078806abc44ca3b4e39fa4c74b13f27cccf972f110');
INSERT INTO public.audit_events VALUES (20, '2026-12-06 04:38:27.398885+00', 'local:root', 'support', 'workspace.add', 'ws_globex_0', 'acc_d8ee23740a70', '{}', '{"name": "Globex", "settlement": "billing_center", "site": "us1"}', NULL, NULL, '9fb39fd784735f78f74a5b078806abc44ca3b4e39fa4c74b13f27cccf972f110', 'e6aa3f56efe0cd70ead94a264f5468cd0bfdba21e7aa1f898826e4238a508aef');
INSERT INTO public.audit_events VALUES (21, '2026-12-06 04:38:31.223916+00', 'local:root', 'support', 'cloud.bind', 'cld_c41666d26b40', 'acc_026b943793da', '{"workspaces": {"ws_acme_0": "billing_center", "ws_acme_1": "billing_center", "ws_acme_2": "billing_center"}}', '{"count": 3, "to": "aliyun:cld_c41666d26b40"}', NULL, NULL, 'e6aa3f56efe0cd70ead94a264f5468cd0bfdba21e7aa1f898826e4238a508aef', '14843f5db5be37249a231862fa3bfd61db66d47bbc839faed9a31cd4a47a546e');
INSERT INTO public.audit_events VALUES (22, '2026-12-06 04:38:34.378844+00', 'local:root', 'support', 'token.create', 'tok_bbe366d53b9b', 'acc_026b943793da', '{}', '{"account_id": "acc_026b943793da", "created_by": "local:root", "expires_at": null, "id": "tok_bbe366d53b9b", "name": "ci-bind", "prefix": "gbt_xGpS5x", "revoked_at": null, "role": "owner", "scopes": ["bindings"]}', NULL, NULL, '14843f5db5be37249a231862fa3bfd61db66d47bbc839faed9a31cd4a47a546e', '0da4eb430abee99c1c0a1a95cb5ebf9c3053f9973f47819f5b646e25c391bbf4');


--
-- Data for Name: change_requests; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.change_requests VALUES ('chg_2240eb0ab87e', 'acc_026b943793da', 'email', 'awaiting_current_code', 'ops@acme.com', 'billing@acme.com', '5af791cfa83dea59c8831f54a97a4d280d6dd18f3bb2119ca7e0620e85ac0491', 'current', '2026-12-06 04:47:46.995352+00', 0, 1, '2026-12-06 04:37:46.995352+00', '2026-12-06 04:37:46.978802+00', '2026-12-06 04:37:46.995352+00', NULL);
INSERT INTO public.change_requests VALUES ('chg_5961b267cfd1', 'acc_d8ee23740a70', 'phone', 'awaiting_current_code', '+8613800138001', '+8613900139000', '5e645f7df90a30978fdba43ceefc2288f20f95fe492ec5e960449bf17f8aa09e', 'current', '2026-12-06 04:47:48.95578+00', 0, 1, '2026-12-06 04:37:48.95578+00', '2026-12-06 04:37:48.944024+00', '2026-12-06 04:37:48.95578+00', NULL);


--
-- Data for Name: cloud_accounts; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.cloud_accounts VALUES ('cld_c41666d26b40', 'acc_026b943793da', 'aliyun', '1234567890123456', 'inst-001', 'subscribed', '2026-12-06 04:38:04.821128+00', '2026-12-06 04:38:04.821128+00', NULL);
INSERT INTO public.cloud_accounts VALUES ('cld_645da7255909', 'acc_d8ee23740a70', 'aws', '123456789012', NULL, 'subscribed', '2026-12-06 04:38:07.477011+00', '2026-12-06 04:38:07.477011+00', NULL);


--
-- Data for Name: invoice_addresses; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.invoice_addresses VALUES ('adr_25b590bffa7f', 'acc_026b943793da', 'Li Lei', '+8613800138000', 'ap@acme.com', '1 West Lake Road, Hangzhou', '2026-12-06 04:37:59.31296+00');


--
-- Data for Name: invoice_requests; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.invoice_requests VALUES ('inv_168de00bbe07', 'acc_026b943793da', 'ttl_d7cea1e2e804', 'adr_25b590bffa7f', 123450, 'pending', '2026-12-06 04:38:02.254992+00');


--
-- Data for Name: invoice_titles; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.invoice_titles VALUES ('ttl_d7cea1e2e804', 'acc_026b943793da', 'vat_ordinary', 'Acme Ltd', '91350100M000100Y43', NULL, NULL, NULL, NULL, '2026-12-06 04:37:56.124504+00');


--
-- Data for Name: login_codes; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: login_failures; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: password_attempts; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: password_resets; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: realname_submissions; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.realname_submissions VALUES ('rn_49a38ce360dc', 'acc_026b943793da', 1, 'enterprise', 'Acme Ltd', '91350100M000100Y43', NULL, 'approved', NULL, NULL, NULL, NULL, NULL, '2026-12-06 04:37:51.058992+00', '2026-12-06 04:37:53.203112+00', 'local:root');


--
-- Data for Name: store_secrets; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.store_secrets VALUES ('verification_hmac_key', '519a6f5ea988aa37fa8effce85379105a78a7171b30d20c438b4ff7a66b13c5c', '2026-12-06 04:37:33.534483+00');


--
-- Data for Name: workspaces; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.workspaces VALUES ('ws_acme_3', 'acc_026b943793da', 'Acme 3', 'cn1', 'billing_center', NULL, NULL, NULL, NULL, '2026-12-06 04:38:18.169501+00', '2026-12-06 04:38:18.169501+00');
INSERT INTO public.workspaces VALUES ('ws_acme_4', 'acc_026b943793da', 'Acme 4', 'cn1', 'billing_center', NULL, NULL, NULL, NULL, '2026-12-06 04:38:20.473213+00', '2026-12-06 04:38:20.473213+00');
INSERT INTO public.workspaces VALUES ('ws_acme_5', 'acc_026b943793da', 'Acme 5', 'cn1', 'billing_center', NULL, NULL, NULL, NULL, '2026-12-06 04:38:23.499005+00', '2026-12-06 04:38:23.499005+00');
INSERT INTO public.workspaces VALUES ('ws_globex_0', 'acc_d8ee23740a70', 'Globex', 'us1', 'billing_center', NULL, NULL, NULL, NULL, '2026-12-06 04:38:27.322998+00', '2026-12-06 04:38:27.322998+00');
INSERT INTO public.workspaces VALUES ('ws_acme_0', 'acc_026b943793da', 'Acme 0', 'cn1', 'aliyun', 'cld_c41666d26b40', '2026-12-06 04:38:31.153195+00', NULL, NULL, '2026-12-06 04:38:10.294958+00', '2026-12-06 04:38:31.153195+00');
INSERT INTO public.workspaces VALUES ('ws_acme_1', 'acc_026b943793da', 'Acme 1', 'cn1', 'aliyun', 'cld_c41666d26b40', '2026-12-06 04:38:31.153195+00', NULL, NULL, '2026-12-06 04:38:13.167581+00', '2026-12-06 04:38:31.153195+00');
INSERT INTO public.workspaces VALUES ('ws_acme_2', 'acc_026b943793da', 'Acme 2', 'cn1', 'aliyun', 'cld_c41666d26b40', '2026-12-06 04:38:31.153195+00', NULL, NULL, '2026-12-06 04:38:15.708972+00', '2026-12-06 04:38:31.153195+00');


--
-- Name: audit_events_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.audit_events_id_seq', 22, true);


--
-- Name: login_failures_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.login_failures_id_seq', 1, false);


--
-- Name: password_attempts_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.password_attempts_id_seq', 1, false);


--
-- Name: accounts accounts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.accounts
    ADD CONSTRAINT accounts_pkey PRIMARY KEY (id);


--
-- Name: alembic_version alembic_version_pkc; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.alembic_version
    ADD CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num);


--
-- Name: api_tokens api_tokens_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_tokens
    ADD CONSTRAINT api_tokens_pkey PRIMARY KEY (id);


--
-- Name: audit_events audit_events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_events
    ADD CONSTRAINT audit_events_pkey PRIMARY KEY (id);


--
-- Name: change_requests change_requests_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.change_requests
    ADD CONSTRAINT change_requests_pkey PRIMARY KEY (id);


--
-- Name: cloud_accounts cloud_accounts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.cloud_accounts
    ADD CONSTRAINT cloud_accounts_pkey PRIMARY KEY (id);


--
-- Name: invoice_addresses invoice_addresses_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.invoice_addresses
    ADD CONSTRAINT invoice_addresses_pkey PRIMARY KEY (id);


--
-- Name: invoice_requests invoice_requests_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.invoice_requests
    ADD CONSTRAINT invoice_requests_pkey PRIMARY KEY (id);


--
-- Name: invoice_titles invoice_titles_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.invoice_titles
    ADD CONSTRAINT invoice_titles_pkey PRIMARY KEY (id);


--
-- Name: login_codes login_codes_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.login_codes
    ADD CONSTRAINT login_codes_pkey PRIMARY KEY (id);


--
-- Name: login_failures login_failures_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.login_failures
    ADD CONSTRAINT login_failures_pkey PRIMARY KEY (id);


--
-- Name: password_attempts password_attempts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.password_attempts
    ADD CONSTRAINT password_attempts_pkey PRIMARY KEY (id);


--
-- Name: password_resets password_resets_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.password_resets
    ADD CONSTRAINT password_resets_pkey PRIMARY KEY (id);


--
-- Name: realname_submissions realname_submissions_account_id_revision_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.realname_submissions
    ADD CONSTRAINT realname_submissions_account_id_revision_key UNIQUE (account_id, revision);


--
-- Name: realname_submissions realname_submissions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.realname_submissions
    ADD CONSTRAINT realname_submissions_pkey PRIMARY KEY (id);


--
-- Name: store_secrets store_secrets_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.store_secrets
    ADD CONSTRAINT store_secrets_pkey PRIMARY KEY (name);


--
-- Name: cloud_accounts uq_cloud_accounts_provider; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.cloud_accounts
    ADD CONSTRAINT uq_cloud_accounts_provider UNIQUE (provider, provider_account_id);


--
-- Name: workspaces workspaces_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.workspaces
    ADD CONSTRAINT workspaces_pkey PRIMARY KEY (id);


--
-- Name: ix_accounts_email; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX ix_accounts_email ON public.accounts USING btree (email);


--
-- Name: ix_accounts_phone; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX ix_accounts_phone ON public.accounts USING btree (phone);


--
-- Name: ix_accounts_username; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX ix_accounts_username ON public.accounts USING btree (username);


--
-- Name: ix_api_tokens_account_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_api_tokens_account_id ON public.api_tokens USING btree (account_id);


--
-- Name: ix_api_tokens_token_hash; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX ix_api_tokens_token_hash ON public.api_tokens USING btree (token_hash);


--
-- Name: ix_audit_events_account_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_audit_events_account_id ON public.audit_events USING btree (account_id);


--
-- Name: ix_audit_events_action; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_audit_events_action ON public.audit_events USING btree (action);


--
-- Name: ix_audit_events_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_audit_events_at ON public.audit_events USING btree (at);


--
-- Name: ix_change_requests_account_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_change_requests_account_id ON public.change_requests USING btree (account_id);


--
-- Name: ix_change_requests_state; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_change_requests_state ON public.change_requests USING btree (state);


--
-- Name: ix_cloud_accounts_account_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_cloud_accounts_account_id ON public.cloud_accounts USING btree (account_id);


--
-- Name: ix_invoice_addresses_account_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_invoice_addresses_account_id ON public.invoice_addresses USING btree (account_id);


--
-- Name: ix_invoice_requests_account_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_invoice_requests_account_id ON public.invoice_requests USING btree (account_id);


--
-- Name: ix_invoice_titles_account_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_invoice_titles_account_id ON public.invoice_titles USING btree (account_id);


--
-- Name: ix_login_codes_account_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_login_codes_account_id ON public.login_codes USING btree (account_id);


--
-- Name: ix_login_failures_account_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_login_failures_account_id ON public.login_failures USING btree (account_id);


--
-- Name: ix_password_attempts_account_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_password_attempts_account_id ON public.password_attempts USING btree (account_id);


--
-- Name: ix_password_resets_account_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_password_resets_account_id ON public.password_resets USING btree (account_id);


--
-- Name: ix_realname_submissions_account_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_realname_submissions_account_id ON public.realname_submissions USING btree (account_id);


--
-- Name: ix_workspaces_account_id_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_workspaces_account_id_id ON public.workspaces USING btree (account_id, id);


--
-- Name: ix_workspaces_cloud_account_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_workspaces_cloud_account_id ON public.workspaces USING btree (cloud_account_id);


--
-- Name: api_tokens api_tokens_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_tokens
    ADD CONSTRAINT api_tokens_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(id);


--
-- Name: change_requests change_requests_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.change_requests
    ADD CONSTRAINT change_requests_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(id);


--
-- Name: cloud_accounts cloud_accounts_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.cloud_accounts
    ADD CONSTRAINT cloud_accounts_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(id);


--
-- Name: invoice_addresses invoice_addresses_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.invoice_addresses
    ADD CONSTRAINT invoice_addresses_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(id);


--
-- Name: invoice_requests invoice_requests_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.invoice_requests
    ADD CONSTRAINT invoice_requests_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(id);


--
-- Name: invoice_requests invoice_requests_address_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.invoice_requests
    ADD CONSTRAINT invoice_requests_address_id_fkey FOREIGN KEY (address_id) REFERENCES public.invoice_addresses(id);


--
-- Name: invoice_requests invoice_requests_title_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.invoice_requests
    ADD CONSTRAINT invoice_requests_title_id_fkey FOREIGN KEY (title_id) REFERENCES public.invoice_titles(id);


--
-- Name: invoice_titles invoice_titles_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.invoice_titles
    ADD CONSTRAINT invoice_titles_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(id);


--
-- Name: login_codes login_codes_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.login_codes
    ADD CONSTRAINT login_codes_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(id);


--
-- Name: login_failures login_failures_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.login_failures
    ADD CONSTRAINT login_failures_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(id);


--
-- Name: password_attempts password_attempts_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.password_attempts
    ADD CONSTRAINT password_attempts_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(id);


--
-- Name: password_resets password_resets_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.password_resets
    ADD CONSTRAINT password_resets_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(id);


--
-- Name: realname_submissions realname_submissions_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.realname_submissions
    ADD CONSTRAINT realname_submissions_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(id);


--
-- Name: workspaces workspaces_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.workspaces
    ADD CONSTRAINT workspaces_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(id);


--
-- Name: workspaces workspaces_cloud_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.workspaces
    ADD CONSTRAINT workspaces_cloud_account_id_fkey FOREIGN KEY (cloud_account_id) REFERENCES public.cloud_accounts(id);


--
-- PostgreSQL database dump complete
--

\unrestrict yGpjX3wAREBHPNPexiFi9sbhA5kBdkwlvcKIFeZDZ37XevxfppWxnCLgaYhgPhU

