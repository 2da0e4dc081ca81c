{* Twenty-One-like page head and navigation bar (harness). Variables are auto-escaped. *}
<!doctype html>
<html lang="en">
<head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1, shrink-to-fit=no">
    <title>{$title} - {$text.company}</title>
    <link href="/assets/bootstrap4/css/bootstrap.min.css" rel="stylesheet">
    <style>
        body { background: #f6f7f9; }
        header.header { background: #fff; border-bottom: 1px solid #e3e6ea; }
        header .navbar-brand { font-weight: 600; color: #336699; }
        .master-breadcrumb { background: #fff; border-bottom: 1px solid #e3e6ea; }
        .master-breadcrumb .breadcrumb { background: transparent; margin: 0; padding: .6rem 0; font-size: .85rem; }
        .primary-content .card { border-color: #e3e6ea; }
        .primary-content .card-header { background: #fff; }
        .primary-content .card-title { font-size: 1.05rem; font-weight: 600; }
        footer.footer { color: #5f6670; font-size: .8rem; padding: 2rem 0; }
        /* WCAG AA contrast (4.5:1) for Bootstrap 4's lighter defaults, as WHMCS's theme colours do */
        .navbar-light .navbar-nav .nav-link { color: #4a5058; }
        a { color: #0056b3; }
        .btn-primary { background-color: #0062cc; border-color: #005cbf; }
    </style>
</head>
<body class="primary-bg-color">
<header class="header">
    <nav class="navbar navbar-expand navbar-light container">
        <a class="navbar-brand" href="/clientarea.php">{$text.company}</a>
        <ul class="navbar-nav ml-auto">
            <li class="nav-item"><a class="nav-link" href="/clientarea.php">{$text.home}</a></li>
            <li class="nav-item"><a class="nav-link" href="/clientarea.php?action=services">{$text.services}</a></li>
        </ul>
    </nav>
</header>
<nav class="master-breadcrumb" aria-label="breadcrumb">
    <div class="container">
        <ol class="breadcrumb">
            <li class="breadcrumb-item"><a href="/clientarea.php">{$text.home}</a></li>
            <li class="breadcrumb-item active" aria-current="page">{$title}</li>
        </ol>
    </div>
</nav>
<section id="main-body">
    <div class="container">
        <div class="primary-content py-4">
