        </div>
    </div>
</section>
<footer class="footer"><div class="container">{$text.company} · WHMCS harness</div></footer>
<script src="/assets/bootstrap4/js/bootstrap.bundle.min.js"></script>
{$footer nofilter}
</body>
</html>
