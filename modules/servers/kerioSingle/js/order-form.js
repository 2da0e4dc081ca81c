/*
 * kerioSingle order form: live checks of the mailbox-name and password custom fields.
 *
 * A generic evaluator of the declarative rules the engine emits (docs/bridge-protocol.md "Rules");
 * no rule is written here. Configuration comes from hooks.php as window.kerioSingleOrderForm:
 *   {fields: {localpart, maildomain, password, givenname, surname: custom field id or 0},
 *    rules: {password: [RULE…], localpart: [RULE…], address: free|yours|not_available (optional)}, rulesUrl, productId,
 *    text: {order_password_rules, order_password_ok, order_localpart_rules, order_localpart_ok, rule_<id>…},
 *    selectors: {key: CSS selector} (optional; replaces the custom field of that key, so the client
 *    area's alias field gets the same mailbox-name check)}
 * When the mailbox name, domain or names change, the rules are fetched again (they may forbid
 * those words in the password); the password itself never leaves the browser.
 * The server checks the same rules again when the order is placed.
 */
(function () {
    'use strict';

    var config = window.kerioSingleOrderForm;
    if (!config) {
        return;
    }

    /** Length in Unicode code points, as the engine counts. */
    function length(value) {
        return Array.from(value).length;
    }

    /** One function per rule kind: true when the value satisfies the rule. */
    var checks = {
        min_length: function (rule, value) { return length(value) >= rule.value; },
        max_length: function (rule, value) { return length(value) <= rule.value; },
        regex: function (rule, value) { return new RegExp('^(?:' + rule.pattern + ')$').test(value); },
        not_regex: function (rule, value) { return !new RegExp(rule.pattern).test(value); },
        min_classes: function (rule, value) {
            return rule.classes.filter(function (pattern) { return new RegExp(pattern).test(value); }).length >= rule.value;
        },
        not_contains: function (rule, value) {
            var lower = value.toLowerCase();
            return !rule.values.some(function (fragment) { return lower.indexOf(fragment) !== -1; });
        },
        not_in: function (rule, value) { return rule.values.indexOf(value.toLowerCase()) === -1; }
    };

    /** The rules `value` does not meet. A kind this script does not know is left to the server. */
    function unmet(rules, value) {
        return rules.filter(function (rule) {
            var check = checks[rule.kind];
            return check ? !check(rule, value) : false;
        });
    }

    /** The rule's sentence in the client's language when the module has one, else the engine's. */
    function describe(rule) {
        var text = config.text['rule_' + rule.id];
        return text ? text.replace(':value', String(rule.value)) : rule.message;
    }

    function input(key) {
        var selector = (config.selectors || {})[key];
        if (selector) {
            return document.querySelector(selector);
        }
        var id = config.fields[key];
        return id ? document.querySelector('[name="customfield[' + id + ']"]') : null;
    }

    /** The feedback box at the end of the field's form group, created on first use. */
    function feedbackFor(field, key) {
        var box = document.getElementById('kerioRules-' + key);
        if (!box) {
            box = document.createElement('div');
            box.id = 'kerioRules-' + key;
            box.className = 'kerio-rules small mt-1';
            box.setAttribute('aria-live', 'polite');
            (field.closest('.form-group') || field.parentNode).appendChild(box);
        }
        return box;
    }

    /** Shows the unmet rules of one field (or that all are met) under it. */
    function render(key, rulesKey) {
        var field = input(key);
        if (!field) {
            return;
        }
        var box = feedbackFor(field, key);
        var failed = unmet(config.rules[rulesKey] || [], field.value);
        box.textContent = '';
        box.setAttribute('data-unmet', String(failed.length));
        if (failed.length === 0) {
            box.className = 'kerio-rules small mt-1 text-success';
            box.textContent = '\u2713 ' + config.text['order_' + rulesKey + '_ok']
                + (rulesKey === 'localpart' && config.rules.address === 'yours' ? ' ' + config.text.order_kept_mail_yours : '');
            field.setCustomValidity('');
            return;
        }
        box.className = 'kerio-rules small mt-1 ' + (field.value === '' ? 'text-muted' : 'text-danger');
        var title = document.createElement('div');
        title.textContent = config.text['order_' + rulesKey + '_rules'];
        var list = document.createElement('ul');
        list.className = 'mb-0 pl-3';
        failed.forEach(function (rule) {
            var item = document.createElement('li');
            item.setAttribute('data-rule', rule.id);
            item.textContent = describe(rule);
            list.appendChild(item);
        });
        box.appendChild(title);
        box.appendChild(list);
        field.setCustomValidity(field.value === '' ? '' : failed.map(describe).join('\n'));
    }

    function renderAll() {
        render('localpart', 'localpart');
        render('password', 'password');
    }

    /** Fetches the rules for what the customer typed so far, then re-checks both fields. */
    var pending = null;
    function refreshRules() {
        var query = ['pid=' + encodeURIComponent(config.productId)];
        ['localpart', 'maildomain', 'givenname', 'surname'].forEach(function (key) {
            var field = input(key);
            var name = key === 'maildomain' ? 'domain' : key;
            if (field && field.value) {
                query.push(name + '=' + encodeURIComponent(field.value));
            }
        });
        fetch(config.rulesUrl + '?' + query.join('&'), {credentials: 'same-origin'})
            .then(function (response) { return response.ok ? response.json() : null; })
            .then(function (rules) {
                if (rules && rules.password && rules.localpart) {
                    config.rules = rules;
                    renderAll();
                }
            })
            .catch(function () { /* keep the rules we have; the server checks again on submit */ });
    }
    function scheduleRefresh() {
        clearTimeout(pending);
        pending = setTimeout(refreshRules, 300);
    }

    function start() {
        ['localpart', 'password'].forEach(function (key) {
            var field = input(key);
            if (field) {
                field.addEventListener('input', renderAll);
            }
        });
        ['localpart', 'maildomain', 'givenname', 'surname'].forEach(function (key) {
            var field = input(key);
            if (field) {
                field.addEventListener(key === 'maildomain' ? 'change' : 'input', scheduleRefresh);
            }
        });
        renderAll();
        scheduleRefresh();
    }

    if (document.readyState === 'loading') {
        document.addEventListener('DOMContentLoaded', start);
    } else {
        start();
    }
}());
