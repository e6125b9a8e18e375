package org.e2guard.testehr;


import javax.sql.DataSource;

import org.apache.commons.dbcp2.BasicDataSource;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.hl7.fhir.dstu2.model.Subscription.SubscriptionChannelType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;

import ca.uhn.fhir.batch2.jobs.config.Batch2JobsConfig;
import ca.uhn.fhir.batch2.jobs.export.BulkDataExportProvider;
import ca.uhn.fhir.batch2.maintenance.JobMaintenanceServiceImpl;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.config.ThreadPoolFactoryConfig;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.api.IDaoRegistry;
import ca.uhn.fhir.jpa.batch2.JpaBatch2Config;
import ca.uhn.fhir.jpa.config.r4.JpaR4Config;
import ca.uhn.fhir.jpa.config.util.HapiEntityManagerFactoryUtil;
import ca.uhn.fhir.jpa.config.util.ResourceCountCacheUtil;
import ca.uhn.fhir.jpa.dao.FulltextSearchSvcImpl;
import ca.uhn.fhir.jpa.dao.IFulltextSearchSvc;
import ca.uhn.fhir.jpa.dao.search.HSearchSortHelperImpl;
import ca.uhn.fhir.jpa.dao.search.IHSearchSortHelper;
import ca.uhn.fhir.jpa.model.config.PartitionSettings;
import ca.uhn.fhir.jpa.model.config.SubscriptionSettings;
import ca.uhn.fhir.jpa.model.dialect.HapiFhirH2Dialect;
import ca.uhn.fhir.jpa.provider.DaoRegistryResourceSupportedSvc;
import ca.uhn.fhir.jpa.provider.IJpaSystemProvider;
import ca.uhn.fhir.jpa.provider.JpaCapabilityStatementProvider;
import ca.uhn.fhir.jpa.search.DatabaseBackedPagingProvider;
import ca.uhn.fhir.jpa.search.IStaleSearchDeletingSvc;
import ca.uhn.fhir.jpa.search.StaleSearchDeletingSvcImpl;
import ca.uhn.fhir.jpa.subscription.channel.config.SubscriptionChannelConfig;
import ca.uhn.fhir.jpa.subscription.match.config.SubscriptionProcessorConfig;
import ca.uhn.fhir.jpa.subscription.submit.config.SubscriptionSubmitterConfig;
import ca.uhn.fhir.jpa.util.ResourceCountCache;
import ca.uhn.fhir.jpa.util.LoggingEmailSender;
import ca.uhn.fhir.jpa.subscription.match.deliver.email.IEmailSender;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.provider.ResourceProviderFactory;
import ca.uhn.fhir.rest.api.IResourceSupportedSvc;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import jakarta.persistence.EntityManagerFactory;

/**
 * HAPI FHIR's JPA server as e2guard's tests meet a real EHR: R4, H2 in memory, rest-hook
 * Subscriptions delivered by HAPI itself, HAPI's own reference checks, versioning and search cache.
 * FHIR Bulk Data export ({@code $export}, run by HAPI as a batch2 job in the background), for
 * e2guard's population dry run. Nothing else (no clinical reasoning, CDS Hooks, terminology upload, UI).
 *
 * <p>Usage: {@code HapiJpaEhr <port>} (0: any free port). Prints {@code HAPI-JPA-EHR READY <port>}
 * on standard output once {@code /fhir} answers, and stops when standard input closes, so that a
 * test JVM that dies does not leave it behind.
 */
public final class HapiJpaEhr {
    private static final Logger LOG = LoggerFactory.getLogger(HapiJpaEhr.class);
    public static final String READY = "HAPI-JPA-EHR READY ";

    private HapiJpaEhr() {
    }

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        long started = System.nanoTime();
        AnnotationConfigApplicationContext spring = new AnnotationConfigApplicationContext(Wiring.class);
        RestfulServer fhir = spring.getBean(RestfulServer.class);
        Server jetty = new Server();
        ServerConnector http = new ServerConnector(jetty);
        http.setHost("127.0.0.1");
        http.setPort(port);
        jetty.addConnector(http);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        ServletHolder holder = new ServletHolder(fhir);
        holder.setInitOrder(1);
        context.addServlet(holder, "/fhir/*");
        jetty.setHandler(context);
        jetty.start();
        LOG.info("HAPI FHIR JPA server on port {} after {} ms", http.getLocalPort(), (System.nanoTime() - started) / 1_000_000);
        System.out.println(READY + http.getLocalPort());
        System.out.flush();
        // the parent (a test JVM) holds our standard input: when it ends, so do we
        while (System.in.read() >= 0) {
            // nothing to read: the parent never writes
        }
        jetty.stop();
        spring.close();
        System.exit(0);
    }

    @Configuration
    @Import({ JpaR4Config.class, ThreadPoolFactoryConfig.class, SubscriptionSubmitterConfig.class,
            SubscriptionProcessorConfig.class, SubscriptionChannelConfig.class, JpaBatch2Config.class, Batch2JobsConfig.class })
    public static class Wiring {
        @Bean
        public DataSource dataSource() {
            BasicDataSource ds = new BasicDataSource();
            ds.setDriverClassName("org.h2.Driver");
            // a fresh database per process; the tests start one server per test JVM
            ds.setUrl("jdbc:h2:mem:ehr;DB_CLOSE_DELAY=-1");
            ds.setUsername("sa");
            ds.setPassword("");
            ds.setMaxTotal(20);
            return ds;
        }

        /**
         * HAPI's defaults, as a freshly installed server has them (client ids must not be numeric, no
         * external references), with bulk export switched on as the JPA server starter's
         * {@code hapi.fhir.bulk_export_enabled} does.
         */
        @Bean
        public JpaStorageSettings storageSettings() {
            JpaStorageSettings settings = new JpaStorageSettings();
            settings.setEnableTaskBulkExportJobExecution(true);
            return settings;
        }

        /**
         * HAPI advances its batch2 jobs (a bulk export is one) in a maintenance pass it schedules once a
         * minute; a small export then takes three to four minutes. Every two seconds here, so that an
         * export of a few patients is done in seconds and the tests that poll it stay short.
         */
        @Bean
        public static BeanPostProcessor batch2MaintenanceEveryTwoSeconds() {
            return new BeanPostProcessor() {
                @Override
                public Object postProcessBeforeInitialization(Object bean, String name) {
                    if (bean instanceof JobMaintenanceServiceImpl maintenance) {
                        maintenance.setScheduledJobFrequencyMillis(2_000);
                    }
                    return bean;
                }
            };
        }

        @Bean
        public PartitionSettings partitionSettings() {
            return new PartitionSettings();
        }

        @Bean
        public SubscriptionSettings subscriptionSettings() {
            SubscriptionSettings s = new SubscriptionSettings();
            s.addSupportedSubscriptionType(SubscriptionChannelType.RESTHOOK);
            return s;
        }

        @Primary
        @Bean
        public LocalContainerEntityManagerFactoryBean entityManagerFactory(ConfigurableListableBeanFactory beans,
                FhirContext fhirContext, JpaStorageSettings settings, DataSource dataSource) {
            LocalContainerEntityManagerFactoryBean emf = HapiEntityManagerFactoryUtil.newEntityManagerFactory(beans, fhirContext, settings);
            emf.setPersistenceUnitName("HAPI_PU");
            emf.setDataSource(dataSource);
            java.util.Map<String, Object> jpa = new java.util.HashMap<>();
            jpa.put("hibernate.dialect", HapiFhirH2Dialect.class.getName());
            jpa.put("hibernate.hbm2ddl.auto", "update");
            jpa.put("hibernate.jdbc.batch_size", "20");
            jpa.put("hibernate.cache.use_query_cache", "false");
            jpa.put("hibernate.cache.use_second_level_cache", "false");
            jpa.put("hibernate.cache.use_structured_entries", "false");
            jpa.put("hibernate.cache.use_minimal_puts", "false");
            jpa.put("hibernate.search.enabled", "false");
            jpa.put("hibernate.archive.scanner", "org.hibernate.boot.archive.scan.internal.DisabledScanner");
            emf.setJpaPropertyMap(jpa);
            return emf;
        }

        @Primary
        @Bean
        public JpaTransactionManager transactionManager(EntityManagerFactory emf) {
            return new JpaTransactionManager(emf);
        }

        /** Email Subscriptions are not used; HAPI's delivery wiring wants a sender all the same. */
        @Bean
        public IEmailSender emailSender() {
            return new LoggingEmailSender();
        }

        @Bean
        public IFulltextSearchSvc fullTextSearchSvc() {
            return new FulltextSearchSvcImpl();
        }

        @Bean
        public IStaleSearchDeletingSvc staleSearchDeletingSvc() {
            return new StaleSearchDeletingSvcImpl();
        }

        @Bean
        public IHSearchSortHelper hSearchSortHelper(ISearchParamRegistry registry) {
            return new HSearchSortHelperImpl(registry);
        }

        @Bean
        public DatabaseBackedPagingProvider databaseBackedPagingProvider() {
            DatabaseBackedPagingProvider paging = new DatabaseBackedPagingProvider();
            paging.setDefaultPageSize(20);
            paging.setMaximumPageSize(500);
            return paging;
        }

        @Bean
        public IResourceSupportedSvc resourceSupportedSvc(IDaoRegistry daos) {
            return new DaoRegistryResourceSupportedSvc(daos);
        }

        @Bean(name = "myResourceCountsCache")
        public ResourceCountCache resourceCountsCache(IFhirSystemDao<?, ?> systemDao) {
            return ResourceCountCacheUtil.newResourceCountCache(systemDao);
        }

        @Bean
        public RestfulServer restfulServer(IFhirSystemDao<?, ?> systemDao, ResourceProviderFactory providers,
                IJpaSystemProvider systemProvider, DatabaseBackedPagingProvider paging, JpaStorageSettings settings,
                ISearchParamRegistry searchParams, IValidationSupport validation, BulkDataExportProvider bulkExport) {
            RestfulServer server = new RestfulServer(systemDao.getContext());
            server.registerProviders(providers.createProviders());
            server.registerProvider(systemProvider);
            server.registerProvider(bulkExport);
            server.setPagingProvider(paging);
            server.setServerConformanceProvider(new JpaCapabilityStatementProvider(server, systemDao, settings, searchParams, validation));
            return server;
        }
    }
}
